# What is mailed to a client, the calendar entries they get, and the
# message the clinician copies for them (src/app/mail.rs, src/app/message.rs,
# src/app/calendar.rs, assets/templates/mail_message.*). Each URL stands
# last on its line with no punctuation after it: the templates put them there.

## Subjects. $date, $time and $abbrev: "Monday 15 March 2027", "12:00 PM", "EDT".

mail-subject-reminder = Reminder: your video session with { $practice }, { $date }, { $time } { $abbrev }
mail-subject-update = New time: your video session with { $practice } is now { $date }, { $time } { $abbrev }
mail-subject-cancel = Cancelled: your video session with { $practice }, { $date }, { $time } { $abbrev }
mail-subject-resend = Your session with { $practice } has started: join with this link

## The HTML part's title (shown in some mail readers' tabs).

mail-title-reminder = Session reminder
mail-title-update = New session time
mail-title-cancel = Session cancelled
mail-title-resend = Your session has started

## The mail's body, both parts.

# $name is the client's first name.
mail-hello = Hello { $name },
mail-heading-reminder = Your video session is coming up
mail-heading-update = Your session has a new time
mail-heading-resend = Your session has started: join with this link
mail-heading-cancel = Your session has been cancelled
# The plain-text part's first line, before the date.
mail-intro-reminder = A reminder of your video session with { $practice }:
mail-intro-update = Your video session with { $practice } has a new time:
mail-intro-resend = Your video session with { $practice } has started, and { $practice } is ready for you:
# A cancellation's sentence is cut around its date and time, which the
# HTML part shows in bold: lead, then "Monday 15 March 2027 at 12:00 PM
# EDT (America/New_York)", then tail.
mail-cancelled-lead = Your video session with { $practice } on
mail-cancelled-tail = has been cancelled.
mail-cancelled-link = Its link no longer opens anything.
mail-cancelled-book = To book another time, reply to this message or contact { $practice }.
# $zone is the zone's name ("America/New_York").
mail-zone-minutes = Time zone: { $zone } · { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
# $time is the time with its zone: "12:00 PM EDT (America/New_York)".
mail-time-minutes = { $time }, { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}
mail-join = Join video call
mail-join-label = Join video call:
mail-opens = The link opens { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} before the start.
mail-code-label = Access code:
mail-code-button-fails = If the button does not work, type the code at this address:
mail-code-link-fails = If the link does not open, type the code at this address:
mail-portal-lead = All your upcoming sessions:
mail-portal-link = your personal page
mail-portal-text = Your personal page with all your upcoming sessions:
mail-help-heading = If it does not work
mail-help-heading-text = If it does not work:
# The line break keeps the plain-text part's lines short.
mail-help-browser = Use an up-to-date Chrome, Safari, Firefox or Edge,
    and allow the camera and microphone.
mail-help-reload = Reload the page, or type your access code at the address above.
mail-help-contact = Still stuck? Reply to this message or contact { $practice }.
mail-private = This message is for you alone: please don't forward it.
mail-attached = Open the attached calendar file to add the session to your calendar.
mail-attached-cancel = The attached calendar file takes the session out of your calendar.

## The calendar entry (.ics): attached to mail, and the client's downloads.

mail-ics-summary = Video session with { $practice }
# $at: "Monday 15 March 2027 at 12:00 PM EDT (America/New_York)".
mail-ics-when = { $at }, { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.
mail-ics-code = Access code: { $code }
mail-ics-link-fails = If the link does not open, type the code at:
# The name of the portal's calendar file.
mail-ics-cancelled = This session has been cancelled: its link and code no longer open anything.
mail-ics-calendar = Sessions with { $practice }

## The message the clinician copies and sends a client themselves.

# $at: "Monday 15 March 2027 at 12:00 PM EDT (America/New_York)".
mail-copy-when = Your video session with { $practice } is on { $at }, for { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}.
mail-copy-join = Join here (the link opens { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
} before the start):
mail-copy-code = If the link doesn't open, type your access code, { $code }, at this address:
mail-copy-portal = Your personal page with all your upcoming sessions (worth a bookmark):
mail-copy-help = If nothing works, reply to this message or call { $practice } and we will sort it out. Please don't forward this message: the link is yours alone.
