## The device check on the link page and the waiting page
## (templates/check.html), and the words its script writes
## (static/check.js, and wait.js's one button), which the partial hands
## to the scripts in its JSON "words" block. A `{ $name }` the script
## fills in is given to the block as `{name}`.

## Before Join: this address cannot start the built-in room.
check-plain-http-title = The video call needs the secure link
check-plain-http-text = This page was opened at a plain http address, where no browser lets a page use the camera and microphone, so the video call cannot start from here. Ask { $practice } for your secure link, the one that starts with https, and open that one instead.

## Before Join: an app's own browser (a WebView).
check-inapp-title = Open this page in Safari or Chrome
check-inapp-title-ios = Open this page in Safari
check-inapp-title-android = Open this page in Chrome
check-inapp-why = This page seems to be open inside another app (such as Gmail, Outlook, Facebook, Instagram or LinkedIn). The camera and microphone often do not work there, so the video call may fail.
check-inapp-ios-lead = On iPhone or iPad:
check-inapp-ios-way = tap ••• or the share button (a square with an arrow), then “Open in Safari” (it may say “Open in browser”).
check-inapp-android-lead = On Android:
check-inapp-android-way = tap ⋮ (three dots) at the top, then “Open in Chrome” (it may say “Open in browser”).
check-inapp-open-chrome = Open in Chrome
check-inapp-other-way = Open your usual web browser (Safari, Chrome, Firefox or Edge) and paste this page's address there.
check-copy-address = Copy this page's address
check-copy-then = Then open Safari or Chrome, tap the address bar, paste, and go.
check-copied = Copied
check-copy-failed = Could not copy: press and hold the address bar to copy it.

## The panel.
check-no-script = The device check needs JavaScript, which is turned off here. You can still join without it.
check-open = Check my device
check-open-hint = Camera, microphone, speakers and connection, before your session.
check-title = Device check
check-private = Your picture and sound stay on this device: nothing is recorded or sent. { $practice } only sees whether the check went well.
check-insecure-lead = This address cannot use your camera or microphone, in any browser.
check-insecure-why = Browsers allow them only on secure pages, whose addresses start with https, and this page was opened at a plain http address.
check-insecure-builtin = The video call at this address will not work either. Ask { $practice } for the secure link, the one that starts with https, and open that one instead.
check-insecure-outside = Your video call opens on another, secure address, which will ask for your camera and microphone itself: you can join as usual. Only this check cannot look at them beforehand.

## A blocked camera and microphone: how to allow them, browser by browser.
check-blocked-lead = Your browser is not allowing this page to use the camera or microphone.
check-blocked-how = Here is how to allow it, then press “Run the check again”.
check-blocked-others = Another phone or browser?
check-blocked-ios-title = iPhone or iPad (Safari)
check-blocked-ios-way = Tap “aA” (or the page icon) in the address bar, then “Website Settings”, and set Camera and Microphone to “Allow”. Or open the Settings app, then Safari (Apps › Safari on newer iPhones), then Camera and Microphone, and choose “Ask” or “Allow”. Then reload this page.
check-blocked-android-title = Android (Chrome)
check-blocked-android-way = Tap the icon to the left of the address, then “Permissions”, and turn on Camera and Microphone. If they are not listed, open the Settings app, then Apps › Chrome › Permissions, and allow Camera and Microphone. Then reload this page.
check-blocked-chrome-title = Chrome on a computer
check-blocked-chrome-way = Click the icon to the left of the address (two sliders or a padlock), switch Camera and Microphone on, then reload the page. On a Mac, also check System Settings › Privacy & Security › Camera and Microphone for Chrome.
check-blocked-firefox-title = Firefox
check-blocked-firefox-way = Click the crossed-out camera or microphone icon in the address bar and remove “Blocked” (or “Blocked temporarily”), then reload the page and choose “Allow” when asked.
check-blocked-edge-title = Microsoft Edge
check-blocked-edge-way = Click the padlock to the left of the address, then “Permissions for this site”, set Camera and Microphone to “Allow”, then reload the page.

## The four steps.
check-camera = Camera
check-microphone = Microphone
check-sound-level = Sound level
check-speakers = Speakers
check-connection = Connection
check-not-yet = Not checked yet.
check-mic-silent-help = We hear nothing. Is your microphone muted, or is another app (a call, Zoom, Teams) using it? On a headset, check its mute switch. Then press “Run the check again”.
check-play-sound = Play a test sound
check-heard-question = Did you hear it?
check-heard-yes = Yes
check-heard-no = No
check-speakers-help-volume = Turn the volume up with the buttons on the side of your phone (or your computer's volume key).
check-speakers-help-switch = On an iPhone, the switch on its side may be set to silent (orange showing): flip it, then play the sound again.
check-speakers-help-bluetooth = Bluetooth headphones or a speaker may be connected: the sound may be playing there. Turn them on, or switch Bluetooth off.
check-again = Run the check again
check-close = Close the check

## What the script writes: a step's answer is "✓ Yes: …" or "✗ No: …"
## followed by a line that reads on from there (no capital).
check-result-yes = ✓ Yes:
check-result-no = ✗ No:
check-blocked-result = blocked by the browser's permission settings (see above).
check-camera-none = no camera was found on this device.
check-microphone-none = no microphone was found on this device.
check-busy = another app is using it (a call, Zoom, Teams, FaceTime?). Close that app, then press “Run the check again”.
check-camera-unusable = this device's camera could not be used.
check-microphone-unusable = this device's microphone could not be used.
check-cannot-start = it could not be started here.
check-camera-none-help = Is a camera plugged in or built in? On a computer without one, try your phone.
check-microphone-none-help = Is a microphone or headset connected? On a computer without one, try your phone.
check-camera-seen = we can see your camera's picture above.
check-camera-dark = the camera started but sends no picture.
check-camera-dark-help = Is it covered, or switched off by a key or a switch on the device? Close other apps that may use it, then press “Run the check again”.
check-mic-cannot-measure = this browser cannot measure sound.
check-mic-listening = say something, or tap near the microphone…
check-mic-heard = we hear you (the bar moves when you speak).
check-mic-silent = we hear nothing: is it muted?
check-insecure-result = this address cannot use it (see above).
check-asking-camera = asking your browser… If it asks, choose Allow.
check-asking-microphone = asking your browser…
check-sound-cannot-play = this browser cannot play the test sound.
check-sound-playing = playing… did you hear three rising notes?
check-speakers-waiting = Not checked yet: press “Play a test sound”, then say whether you heard it.
check-speakers-ok = your speakers work.
check-speakers-none = no sound reached you.
check-checking = checking…
check-box-silent = The practice's server did not answer.
check-box-silent-help = Check that you are online (Wi-Fi or mobile data), then press “Run the check again”.
check-answered = The practice's server answered in { $ms } ms.
check-outside-ok = this page's server answered in { $ms } ms.
check-outside-detail = Your video call runs on another service, which this check cannot reach: it will check your connection itself when you join.
check-no-webrtc = this browser cannot make video calls.
check-no-webrtc-help = Open this page in an up-to-date Safari, Chrome, Firefox or Edge.
# How video can go: { $how } in check-video-can-go and check-relay-down-how.
check-how-lan = straight over this network (the same network as the practice)
check-how-internet = directly through the internet (the STUN server answered)
check-how-relay = through the practice's relay server (TURN)
check-video-can-go = video can go { $how }.
check-relay-down-how = the practice's relay server could not be reached, so video may not get through some networks (here it can still go { $how }).
check-relay-down = the practice's relay server could not be reached, so video may not get through some networks.
check-no-connection = your browser could not prepare a video connection.
check-stun-yes = STUN answered.
check-stun-no = STUN did not answer.
check-turn-later = The practice's relay server (TURN) is checked from an hour before the session: run the check again then.
check-turn-works = The relay (TURN) works: video can get through even strict networks.
check-turn-refused = The relay (TURN) turned down the practice server's credentials.
check-turn-unreachable = The relay (TURN) could not be reached.
check-refused-help = This is the practice's setting, not your device: tell your clinician the relay refused the check.
check-network-help = A firewall or this network may block video calls. Try another Wi-Fi or mobile data, and tell your clinician if it stays like this.

## The waiting page's button once the clinician lets the client in (wait.js).
wait-enter-button = Enter the video call
