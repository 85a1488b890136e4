## The built-in video room (templates/room.html) and what its script
## writes (static/room.js), handed to the script in the page's JSON
## "words" block; a `{ $name }` the script fills in is given as `{name}`.
## The clinician's seat is always in English.

room-page-title = Video session
room-title = Video session with { $practice }
room-starting = Starting your camera…
room-no-script = The video room needs JavaScript. Please turn it on, or use another browser.
room-you = You ({ $name })
room-controls = Call controls
room-mute = Mute
room-unmute = Unmute
room-camera-stop = Stop camera
room-camera-start = Start camera
room-leave = Leave
room-devices = Camera and microphone
room-camera = Camera
room-microphone = Microphone
room-devices-hint = Your video goes straight to the others in this session, not through a video company.
room-move-self = Move my picture
room-end = End session for everyone
room-back-in = Go back into the room
room-back-today = Back to today's sessions
room-later = Later, your session link opens the room again too: it is in your message, or on your personal page.
room-foot = This room is private to the people in this session.

## What the script says in the status line, and on each person's picture.
room-entering = Entering the room…
room-waiting-others = Waiting for the others to join…
# { $names }: the others' names, joined as the language joins a list.
room-connected-with = Connected with { $names }
room-connecting-to = Connecting to { $names }…
room-unreachable = Could not reach everyone. Check your network; the room keeps trying.
room-tile-connecting = connecting
room-tile-connected = connected
room-tile-interrupted = interrupted
room-tile-failed = no connection
room-tile-left = left
room-someone = Someone
room-setup-failed = A connection could not be set up.
room-session-over = The session has ended.
room-visit-over = This visit to the room has ended.
room-again-client = Open your session link again to come back.
room-again-clinician = Rejoin from today's sessions to come back.
room-ended-by-clinician = The clinician ended the session. Thank you. You can close this page.
room-lost-touch = Lost touch with the server; trying again…
room-clinician-ended = The clinician ended this session.
room-full = The room is full right now. Please try again in a moment.
room-cannot-enter = The room could not be entered. Open your session link again.
room-reconnecting = Reconnecting to the room…
room-trying-again = Trying again…
room-camera-n = Camera { $number }
room-microphone-n = Microphone { $number }
room-device-failed = That device could not be used.
room-you-left = You left the session. You can come back while it lasts.
room-end-confirm = End the session for everyone?
room-you-ended = You ended the session for everyone.
room-insecure = This browser allows the camera only on a secure (https) address. Ask your clinician for the secure link.
room-insecure-clinician = This browser allows the camera only on a secure (https) address. Open Porchlight at its https address (Caddy in front, as the README says), or on this machine at http://localhost, and start the session from there.
room-allow-camera = Please allow the camera and microphone for this page, then reload it.
room-camera-failed = The camera could not be started.
