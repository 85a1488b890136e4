//! The sender: one thread that takes due messages from the outbox to the
//! mail server through lettre (blocking SMTP, no async runtime).
//!
//! At most once: a row is claimed in a committed transaction before the
//! message leaves and marked sent after. If the process dies in between,
//! the next start marks the row `unknown` and shows it to the clinician
//! with Send now, rather than risk a second copy in the client's inbox.
//!
//! The same rule decides what a failure means. Porchlight first checks
//! that it can reach and greet the server; failing that, nothing left, and
//! the message is tried again with a growing wait until the session
//! starts. Once the message is under way, only the server's own answer is
//! trusted: 4xx (not taken, try again) or 5xx (`failed`, refused for
//! good). A connection lost or timed out mid-send may have delivered it,
//! so it becomes `unknown`, never sent again by itself.
//!
//! Bodies go out as they are (`7bit`, or `8bit` where the text is not
//! ASCII; base64 for a server without 8BITMIME), never quoted-printable:
//! a soft line break inside a link is decoded by most readers but not by
//! every one, nor by every scanner.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::message::header::{ContentTransferEncoding, ContentType};
use lettre::message::{Attachment, Body, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

use super::{Compose, Outgoing, plan};
use crate::error::{Error, Result};
use crate::store::{NewAudit, OutboxRow, Store};

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// Wakes the sender early: after Send now, or a change that planned
/// something due at once.
#[derive(Default)]
pub struct Wake {
    kicked: Mutex<bool>,
    cv: Condvar,
}

impl Wake {
    pub fn kick(&self) {
        *self.kicked.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.cv.notify_all();
    }

    fn sleep(&self, at_most: Duration) {
        let kicked = self.kicked.lock().unwrap_or_else(|p| p.into_inner());
        let (mut kicked, _) = self.cv.wait_timeout_while(kicked, at_most, |k| !*k).unwrap_or_else(|p| p.into_inner());
        *kicked = false;
    }
}

/// What the sender asks of the layer that starts it (the app, with the
/// templates): the settings that say where mail goes, each due message
/// composed from the data as it is now, and the database the outbox is
/// in. Defined here, implemented above, so the thread calls up through
/// an interface it owns.
pub trait Outbox {
    /// The mail server's URL, when it and the sender address are set.
    fn mail_server(&mut self) -> Result<Option<String>>;
    /// The message `row` calls for at `now`, or why none is wanted.
    fn compose(&mut self, row: &OutboxRow, now: DateTime<Utc>) -> Result<Compose>;
    /// The sender's own database connection.
    fn store(&mut self) -> &mut Store;
}

/// What the thread needs from the server.
pub struct Sender<'a, O: Outbox> {
    pub outbox: O,
    pub clock: &'a crate::clock::Guard,
    pub wake: &'a Wake,
    /// Longest sleep between looks at the outbox (the command line can
    /// plan messages without telling the server).
    pub idle: Duration,
}

impl<O: Outbox> Sender<'_, O> {
    /// Run until `stop`.
    pub fn run(mut self, stop: &AtomicBool) {
        match self.outbox.store().recover_outbox() {
            Ok(0) => {}
            Ok(n) => eprintln!("porchlight: {n} message(s) were being sent when Porchlight stopped; see the dashboard"),
            Err(e) => eprintln!("porchlight: cannot check the outbox: {e}"),
        }
        while !stop.load(Ordering::SeqCst) {
            let wait = match self.round() {
                Ok(wait) => wait,
                Err(e) => {
                    eprintln!("porchlight: mail: {e}");
                    self.idle
                }
            };
            self.wake.sleep(wait);
        }
    }

    /// Send what is due; how long to sleep before the next look.
    fn round(&mut self) -> Result<Duration> {
        let now = self.clock.now(Utc::now()).now;
        // Without a server or a sender address nothing is sent, and nothing
        // is given up on either: the messages wait for the settings.
        let Some(url) = self.outbox.mail_server()? else {
            return Ok(self.idle);
        };
        for row in self.outbox.store().due_outbox(now.timestamp(), 20)? {
            self.one(&url, &row)?;
        }
        let now = self.clock.now(Utc::now()).now.timestamp();
        Ok(match self.outbox.store().next_outbox_time()? {
            Some(next) if next <= now => Duration::from_millis(200),
            Some(next) => Duration::from_secs((next - now) as u64).min(self.idle),
            None => self.idle,
        })
    }

    fn one(&mut self, url: &str, row: &OutboxRow) -> Result<()> {
        let now = self.clock.now(Utc::now()).now;
        let out = match self.outbox.compose(row, now)? {
            Compose::Skip(why) => return self.outbox.store().outbox_close(row.id, "skipped", &why),
            Compose::Send(out) => out,
        };
        if !self.outbox.store().claim_outbox(row, now.timestamp())? {
            return Ok(());
        }
        let at = self.clock.now(Utc::now()).now;
        match deliver(url, &out) {
            Ok(()) => {
                self.outbox.store().outbox_sent(row.id, at.timestamp())?;
                self.outbox.store().audit(
                    at.timestamp(),
                    &NewAudit {
                        event: "mail.sent",
                        appointment_id: Some(row.appointment_id),
                        client_id: Some(row.client_id),
                        detail: format!("{} (message {})", row.kind.as_str(), row.id),
                        ..Default::default()
                    },
                )
            }
            Err(Failure { after: After::Refused, message }) => {
                eprintln!("porchlight: mail: message {} refused: {message}", row.id);
                self.outbox.store().outbox_close(row.id, "failed", &message)
            }
            Err(Failure { after: After::Unknown, message }) => {
                eprintln!("porchlight: mail: message {} may not have arrived: {message}", row.id);
                let why = format!("the connection failed while sending, so it may or may not have arrived: {message}");
                self.outbox.store().outbox_close(row.id, "unknown", &why)
            }
            Err(Failure { after: After::Retry, message }) => {
                let next = at.timestamp() + plan::backoff(row.attempts + 1);
                eprintln!("porchlight: mail: message {} not sent, will try again: {message}", row.id);
                self.outbox.store().outbox_retry(row.id, next, &message)
            }
        }
    }
}

/// Why a message did not go out. The text never holds the server's
/// password: lettre's errors name the step and the server's reply.
#[derive(Debug)]
pub struct Failure {
    pub after: After,
    pub message: String,
}

/// What a failure leaves behind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Certainly not delivered, and worth another try.
    Retry,
    /// Refused for good (5xx, or a message that cannot be built).
    Refused,
    /// Perhaps delivered: the connection failed mid-send.
    Unknown,
}

/// Hand one message to the server at `url`.
pub fn deliver(url: &str, out: &Outgoing) -> std::result::Result<(), Failure> {
    let fail = |after, message: String| Failure { after, message };
    let message = build(out, Transfer::AsIs).map_err(|e| fail(After::Refused, e.to_string()))?;
    let transport = SmtpTransport::from_url(url)
        .map_err(|e| fail(After::Retry, format!("the mail server address: {e}")))?
        .timeout(Some(SMTP_TIMEOUT))
        .build();
    match transport.test_connection() {
        Ok(true) => {}
        Ok(false) => return Err(fail(After::Retry, "the mail server did not answer".into())),
        Err(e) => return Err(fail(After::Retry, e.to_string())),
    }
    let sent = match transport.send(&message) {
        // lettre refuses 8-bit text to a server without 8BITMIME before
        // saying MAIL FROM, so nothing left: send it encoded.
        Err(e) if e.is_client() && e.to_string().contains("8BITMIME") => {
            let message = build(out, Transfer::Encoded).map_err(|e| fail(After::Refused, e.to_string()))?;
            transport.send(&message)
        }
        sent => sent,
    };
    sent.map(drop).map_err(|e| {
        // lettre's own (client) errors all arise before the message data
        // is sent (TLS, authentication, 8BITMIME): nothing left.
        let after = if e.is_transient() || e.is_client() {
            After::Retry
        } else if e.is_permanent() {
            After::Refused
        } else {
            After::Unknown
        };
        fail(after, e.to_string())
    })
}

/// How the parts' bodies travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transfer {
    /// As they are, where they can be ([`as_is`]): every link arrives whole.
    AsIs,
    /// For a server that takes no 8-bit text: ASCII parts as they are,
    /// the others base64. Not quoted-printable, whose soft line breaks
    /// would cut a long link in the raw message; in base64 no link is
    /// readable raw, so none can be copied broken.
    Encoded,
}

/// The MIME message: text and HTML alternatives, and the invitation.
pub fn build(out: &Outgoing, transfer: Transfer) -> Result<Message> {
    let bad = |what: &str| Error::input(format!("{what} is not a usable email address"));
    let from = Mailbox::new(Some(out.from_name.clone()), out.from.parse().map_err(|_| bad("mail_from"))?);
    let to = Mailbox::new(Some(out.to_name.clone()), out.to.parse().map_err(|_| bad("the client's address"))?);
    let calendar = ContentType::parse(&format!("text/calendar; charset=utf-8; method={}", out.method))
        .map_err(|e| Error::internal(format!("calendar content type: {e}")))?;
    let body = |text: &str| match transfer {
        Transfer::AsIs => as_is(text).unwrap_or_else(|| Body::new(text.to_string())),
        Transfer::Encoded => match as_is(text) {
            Some(body) if text.is_ascii() => body,
            _ => Body::new_with_encoding(text.to_string(), ContentTransferEncoding::Base64)
                .unwrap_or_else(|_| Body::new(text.to_string())),
        },
    };
    Message::builder()
        .from(from)
        .to(to)
        .subject(out.subject.clone())
        .multipart(
            MultiPart::mixed()
                .multipart(
                    MultiPart::alternative()
                        .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body(&out.text)))
                        .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(body(&out.html))),
                )
                .singlepart(Attachment::new("invite.ics".into()).body(invitation(&out.ics), calendar)),
        )
        .map_err(|e| Error::internal(format!("cannot build the message: {e}")))
}

/// The invitation's body, base64: RFC 5545 (section 3.1) folds its lines
/// at 75 octets, inside a link too, and a reader of the raw message must
/// not find a cut link there; calendar programs decode the attachment.
fn invitation(ics: &str) -> Body {
    Body::new_with_encoding(ics.to_string(), ContentTransferEncoding::Base64)
        .unwrap_or_else(|_| Body::new(ics.to_string()))
}

/// `text` as a body sent unencoded, with CRLF line ends: `7bit` if it is
/// ASCII, else `8bit` (RFC 6152; lettre says `BODY=8BITMIME`). `None` if
/// it cannot be: a line longer than 998 octets (RFC 5322 section 2.1.1,
/// RFC 2045 section 2.8), a NUL, or a CR that does not end a line. lettre
/// itself would quote-print every part with a line of 76 octets or more.
pub fn as_is(text: &str) -> Option<Body> {
    let mut crlf = String::with_capacity(text.len() + text.len() / 32);
    for (i, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > 998 || line.contains(['\0', '\r']) {
            return None;
        }
        if i > 0 {
            crlf.push_str("\r\n");
        }
        crlf.push_str(line);
    }
    let encoding = if crlf.is_ascii() { ContentTransferEncoding::SevenBit } else { ContentTransferEncoding::EightBit };
    Some(Body::dangerous_pre_encoded(crlf.into_bytes(), encoding))
}

/// Is `url` a plain-text SMTP connection to a server beyond the LAN? Then
/// the admin pages warn: the password and the links would cross the
/// internet unencrypted.
pub fn plain_text_beyond_lan(url: &str) -> Option<String> {
    let url = crate::urls::mail_server(url).filter(|u| u.scheme() == "smtp")?;
    // lettre's own reading of the `tls` parameter (`SmtpTransport::from_url`).
    if url.query_pairs().any(|(k, v)| k == "tls" && (v == "required" || v == "opportunistic")) {
        return None;
    }
    let host = url.host_str()?.trim_matches(['[', ']']);
    // The same ranges the admin pages call the practice network.
    let local = host == "localhost"
        || [".lan", ".local", ".internal", ".home.arpa"].iter().any(|suffix| host.ends_with(suffix))
        || match host.parse::<std::net::IpAddr>() {
            Ok(ip) => crate::net::Cidr::lan().iter().any(|c| c.contains(crate::net::canonical(ip))),
            Err(_) => !host.contains('.'),
        };
    (!local).then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_beyond_the_lan_is_flagged() {
        assert_eq!(plain_text_beyond_lan("smtp://relay.lan:25"), None);
        assert_eq!(plain_text_beyond_lan("smtp://192.168.1.2:25"), None);
        assert_eq!(plain_text_beyond_lan("smtp://mailhost:25"), None);
        assert_eq!(plain_text_beyond_lan("smtp://u:p@smtp.example.com:587?tls=required"), None);
        assert_eq!(plain_text_beyond_lan("smtps://u:p@smtp.example.com:465"), None);
        assert_eq!(plain_text_beyond_lan("smtp://u:p@smtp.example.com:25").as_deref(), Some("smtp.example.com"));
        assert_eq!(plain_text_beyond_lan("smtp://8.8.8.8").as_deref(), Some("8.8.8.8"));
    }

    fn outgoing(text: &str, html: &str) -> Outgoing {
        Outgoing {
            from_name: "Thérapie Harbour".into(),
            from: "care@example.org".into(),
            to_name: "Ann Smith".into(),
            to: "ann@example.net".into(),
            subject: "Reminder".into(),
            text: text.into(),
            html: html.into(),
            ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            method: "REQUEST",
        }
    }

    #[test]
    fn long_links_travel_whole_in_7bit_or_8bit() {
        let link =
            format!("https://porch.harbour-counselling-and-family-therapy.example.org/clients/v/{}", "_4H".repeat(8));
        let text = format!("Join video call:\n{link}\n");
        let html = format!("<p style=\"{}\"><a href=\"{link}\">Join</a></p>\n", "margin:0;".repeat(20));
        let raw = String::from_utf8(build(&outgoing(&text, &html), Transfer::AsIs).unwrap().formatted()).unwrap();
        assert_eq!(raw.matches(&link).count(), 2, "{raw}");
        assert_eq!(raw.matches("Content-Transfer-Encoding: 7bit").count(), 2, "{raw}");
        assert_eq!(raw.matches("Content-Transfer-Encoding: base64").count(), 1, "the invitation: {raw}");
        assert!(!raw.contains("quoted-printable"), "{raw}");
        assert!(raw.split("\r\n").all(|l| l.len() <= 998) && !raw.replace("\r\n", "").contains('\n'));

        let accented = format!("Bonjour Zoë,\n{link}\n");
        let raw = String::from_utf8(build(&outgoing(&accented, &html), Transfer::AsIs).unwrap().formatted()).unwrap();
        assert!(raw.contains("Content-Transfer-Encoding: 8bit\r\n\r\nBonjour Zoë,\r\n"), "{raw}");
        assert_eq!(raw.matches(&link).count(), 2, "{raw}");
        // For a server without 8BITMIME: every part 7-bit clean, the
        // ASCII ones as they are, and no link cut by a soft line break.
        let raw =
            String::from_utf8(build(&outgoing(&accented, &html), Transfer::Encoded).unwrap().formatted()).unwrap();
        assert!(raw.is_ascii() && !raw.contains("quoted-printable"), "{raw}");
        assert_eq!(raw.matches("Content-Transfer-Encoding: base64").count(), 2, "text and invitation: {raw}");
        assert_eq!(raw.matches(&link).count(), 1, "the ASCII HTML part as it is: {raw}");

        assert!(as_is(&"x".repeat(998)).is_some());
        assert!(as_is(&"x".repeat(999)).is_none(), "RFC 5322 2.1.1: at most 998 octets a line");
        assert!(as_is("a\0b").is_none() && as_is("a\rb").is_none());
        assert_eq!(as_is("a\nb\r\nc\n").unwrap().into_vec(), b"a\r\nb\r\nc\r\n");
    }

    #[test]
    fn the_message_has_both_bodies_and_the_invitation() {
        let out = Outgoing {
            from_name: "Harbour Counselling".into(),
            from: "care@example.org".into(),
            to_name: "Ann Smith".into(),
            to: "ann@example.net".into(),
            subject: "Reminder: your video session".into(),
            text: "plain body".into(),
            html: "<p>html body</p>".into(),
            ics: "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".into(),
            method: "REQUEST",
        };
        let raw = String::from_utf8(build(&out, Transfer::AsIs).unwrap().formatted()).unwrap();
        for needle in [
            "From: \"Harbour Counselling\" <care@example.org>",
            "To: \"Ann Smith\" <ann@example.net>",
            "multipart/alternative",
            "text/calendar; charset=utf-8; method=REQUEST",
            "invite.ics",
            "plain body",
        ] {
            assert!(raw.contains(needle), "{needle} missing from\n{raw}");
        }
    }
}
