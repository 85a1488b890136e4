# The client's pages (assets/templates: base, participant, wait, portal,
# code, gone, message, check's warnings; src/pages). Plain text: the
# templates put the markup around it, so a sentence with a bold part is
# cut into the parts before, in and after it.

## Every page (base.html, message.html, gone.html, code.html)
page-skip = Skip to content
page-private = This page is private to you. Please don't forward its address.
page-help-contact = Need help? Contact { $practice } directly.
page-eyebrow = Video session with { $practice }

## The link page (participant.html), in every state that shows a session
page-session-title = Your session
page-ready = Your session is ready
page-not-started = Your session hasn't started yet
page-note-from = A note from { $practice }:
# The number and its word never part at a line end (a no-break space).
page-zone-minutes = Time zone: { $zone } · { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
page-zone = Time zone: { $zone }
# "You can join from <strong>2:50 PM EST</strong>, 10 minutes before…"
page-countdown-before = You can join from
page-countdown-after = , { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} before the start. Keep this page open: the button appears by itself.
page-join = Join video call
page-camera-hint = Your browser will ask to use your camera and microphone. Please allow it.
page-calendar = Add to calendar (.ics)
page-trouble = Trouble joining?
page-trouble-browser = Use an up-to-date Chrome, Safari, Firefox or Edge.
page-trouble-reload = Reload this page, then press the button again.
page-trouble-contact = Still stuck? Contact { $practice }. If you pressed the button, your clinician can see that you tried.


## The waiting page (wait.html)
page-wait-title = Waiting for your clinician
page-wait-knows = Your clinician knows you're here
page-wait-in-room = You're in the waiting room. { $practice } will let you in when the session starts.
# "<strong>Keep this page open</strong>: it takes you into the video call by itself."
page-wait-keep-open = Keep this page open
page-wait-keep-open-why = : it takes you into the video call by itself.
page-wait-ready = Your clinician is ready
page-wait-go-in = You can go in now: press “Enter the video call”.
page-wait-moving = Taking you to the video call…
page-wait-enter = Enter the video call
page-wait-check-again = See if I can go in now
page-wait-long = Waiting a long time?
page-wait-late = Sessions sometimes start a few minutes late. Your clinician can see that you are waiting.
page-wait-closed = If this page was closed, open your link again and press “Join video call”.
page-wait-nothing = Still nothing ten minutes after the start? Contact { $practice }.

## The portal (portal.html)
page-portal-title = Your sessions
page-hello = Hello
page-hello-name = Hello, { $name }
page-portal-intro = Bookmark this page: it always shows your sessions for the next { $days } days, and lets you join the one that is on now.
page-portal-cancelled = Cancelled
page-portal-join-opens = Join opens { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} before
page-portal-calendar = Add these sessions to your calendar (.ics)
page-portal-empty = No sessions booked in the next { $days } days.

## Typing an access code (/join, code.html)
page-code-title = Enter your access code
# "…like <span>7KQ2-M9XD</span>."
page-code-where = Your code is in the message with your session link. It has { $length } letters and numbers, like
page-code-label = Access code
page-code-continue = Continue
page-code-hint = Capitals and dashes don't matter.
page-code-failed = That code didn't work. Check it against your message and try again, or use the link from the message instead.

## A link that leads to no session now (gone.html, src/pages/client.rs, portal.rs)
page-gone-session = Session:
page-gone-zone = time zone: { $zone }
page-gone-code = Enter an access code
page-gone-questions = Questions? Contact { $practice }.
page-gone-dead = This link no longer works
page-removed-1 = You are no longer booked for this session, so this link does not open it.
page-removed-2 = If { $practice } has sent you a newer message about a session, use the link in that one.
page-expired-title = This session has ended
page-expired-1 = The link for this session no longer works.
page-expired-2 = If you need a session, contact { $practice } and they will send you a new link.
page-cancelled-title = This session was cancelled
page-cancelled-1 = There is no session to join with this link.
page-cancelled-2 = To book another time, contact { $practice }.
page-revoked-title = This link has been replaced
page-revoked-1 = You were sent a newer link for this session. Please use the most recent message from your clinician, or your personal portal link.
page-revoked-2 = If that message has an access code, you can also enter it here.
page-revoked-3 = Can't find it? Contact { $practice } and they will send it again.
page-unknown-title = We couldn't find this link
page-unknown-1 = Check that you opened the whole link from your message: part of it may be missing or changed.
page-unknown-2 = If your message has an access code ({ $length } letters and numbers, like 7KQ2-M9XD), you can enter it instead.
page-unknown-3 = Still stuck? Contact { $practice } and they will send your link again.
page-portal-code = If your message has an access code, you can enter it instead.
page-portal-off-title = Please use the link from your reminder
page-portal-off = { $practice } now sends a separate link for each session. Use the link in your latest reminder or message, or contact { $practice } to have it sent again.
page-portal-moved-title = This page has moved
page-portal-moved = Your personal link was replaced with a new one. Use the newest link { $practice } sent you, or ask them to send it again.
page-portal-archived = This personal link is no longer in use. To book a session, contact { $practice }.

## Join pressed, but no video room is set up (src/pages/client.rs)
page-checked-in-title = You're checked in
page-checked-in-1 = Your clinician can see that you are here.
page-checked-in-2 = The video room for this session isn't ready yet: please stay near your phone or email, and your clinician will contact you with how to join.

## The room's address opened without coming from a link (src/pages/room.rs)
page-room-own-link-title = This room opens from your own session link
page-room-own-link-1 = Open the link from your message (or your personal portal) and press Join: it lets you in from this browser.
page-room-own-link-2 = The room is open only around the time of your session.

## Error pages (render.rs, Pages::error)
page-error-400-title = That request didn't make sense
page-error-400 = Please go back and try again.
page-error-404-title = Page not found
page-error-404 = Check that you copied the whole link from your message.
page-error-405-title = That doesn't work here
page-error-405 = Please go back and use the buttons on the page.
page-error-413-title = That was too much to send
page-error-413 = Please go back and try again with less.
page-error-414-title = That address is too long
page-error-414 = Check that you copied the link correctly.
page-error-429-title = Please wait a moment
page-error-429 = There were too many tries from your network. Wait a few minutes, then try again, or open the link from your message instead.
page-error-503-title = Please try again in a minute
page-error-503 = This service can't save anything right now. Your link still works; please try again shortly.
page-error-500-title = Something went wrong on our side
page-error-500 = Please try again in a minute. If it keeps happening, contact your clinician.

# The early page's live countdown and local time (countdown.js fills in
# {left} and {time}), and the portal's live status (portal.js).
page-opening-now = Opening now…
page-opens-in = Opens in { $left }
page-your-time = That is { $time } where you are.
page-portal-open-now = A session is open now: its Join video call button is on this page.
