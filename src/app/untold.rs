//! New times and cancellations that will not reach a client by mail:
//! mail is off (no `smtp_url` or `mail_from`), or the client has no
//! address or asked for none. Such a message would otherwise sit in the
//! outbox for ever while the clinician believes the client was told; the
//! admin pages show each one with its text to send by hand.

use chrono::{DateTime, Utc};

use super::App;
use super::mail::MailBody;
use crate::error::Result;
use crate::mail::plan::{self, Kind};
use crate::store::{NewAudit, OutboxRow};

/// One message that will not go out, and why.
#[derive(Debug, Clone)]
pub struct Untold {
    pub row: OutboxRow,
    pub client: String,
    /// Why mail will not carry it, in words for the clinician.
    pub why: String,
}

/// Why mail will not carry a message to a client, if it will not.
pub fn unmailable(mail_on: bool, email: Option<&str>, no_mail: bool) -> Option<&'static str> {
    match (mail_on, email, no_mail) {
        (false, _, _) => Some("mail is off"),
        (_, _, true) => Some("the client asked for no email"),
        (_, None, _) => Some("the client has no email address"),
        _ => None,
    }
}

impl App {
    /// Is mail set up to go out at all?
    pub fn mail_on(&mut self) -> Result<bool> {
        let s = self.settings()?;
        Ok(s.smtp_url.is_some() && s.mail_from.is_some())
    }

    /// The new-time and cancellation messages of sessions not yet started
    /// that mail will not carry (one appointment's, or all), oldest first.
    pub fn untold(&mut self, appointment_id: Option<i64>, now: DateTime<Utc>) -> Result<Vec<Untold>> {
        let mail_on = self.mail_on()?;
        let mut out = vec![];
        for row in self.store.outbox_changes_unsent(appointment_id, now.timestamp())? {
            let appt = self.appointment_row(row.appointment_id)?;
            let removed = self.store.addressee(row.participant_id)?.is_some_and(|a| a.removed);
            let facts = super::mail::facts_for(&appt, removed);
            if plan::stale(row.kind, row.sequence, facts, now.timestamp()).is_some() {
                continue;
            }
            let Some(client) = self.store.client(row.client_id)? else { continue };
            // A skipped row was skipped for the client's sake only if the
            // client still cannot be mailed; a pending one waits for mail.
            let why = match row.state.as_str() {
                "pending" if !mail_on => unmailable(false, None, false),
                "skipped" => unmailable(true, client.email.as_deref(), client.no_mail),
                _ => None,
            };
            if let Some(why) = why {
                out.push(Untold { row, client: client.name, why: why.to_string() });
            }
        }
        Ok(out)
    }

    /// The text the mail would have carried, to send by hand: `render`
    /// turns the body into plain text with the bundled mail template.
    pub fn untold_text(&mut self, row: &OutboxRow, render: impl Fn(&MailBody<'_>) -> Result<String>) -> Result<String> {
        let settings = self.settings()?;
        let appt = self.appointment_row(row.appointment_id)?;
        let client = self.client_row(row.client_id)?;
        let seed = self.store.addressee(row.participant_id)?.and_then(|a| a.seed);
        let window = self.window_of(&appt)?;
        let to_whom = self.addressed(&settings, &window, &client, seed.as_ref())?;
        render(&MailBody::new(row.kind, to_whom.invitation(&settings, appt.minutes)))
    }

    /// The clinician sent this message themselves: it is closed as sent,
    /// so nothing sends it again, and audited.
    pub fn told_by_hand(&mut self, id: i64, now: DateTime<Utc>) -> Result<()> {
        let Some(row) = self.store.outbox_row(id)? else {
            return Err(crate::error::Error::not_found(format!("no message with id {id}")));
        };
        if !matches!(row.kind, Kind::Update | Kind::Cancel) || !matches!(row.state.as_str(), "pending" | "skipped") {
            return Ok(());
        }
        self.store.outbox_close(id, "sent", "sent by the clinician, by hand")?;
        self.audit(
            now,
            NewAudit {
                event: "mail.by_hand",
                appointment_id: Some(row.appointment_id),
                client_id: Some(row.client_id),
                detail: format!("{} (message {id})", row.kind.as_str()),
                ..Default::default()
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::test_app;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn with_mail_off_a_move_and_a_cancel_are_shown_with_their_text_until_sent_by_hand() {
        let mut app = test_app();
        let now = t("2026-12-01T09:00:00Z");
        let ann = app.add_client("Ann Example", Some("ann@example.org"), None, now).unwrap().id;
        let v = app.add_appointment(&[ann], t("2026-12-03T14:00:00Z"), 50, now).unwrap();
        assert!(app.untold(None, now).unwrap().is_empty(), "a new session's reminders are the dashboard's copy");
        app.move_appointment(v.id, t("2026-12-04T15:00:00Z"), None, now).unwrap();
        let untold = app.untold(None, now).unwrap();
        assert_eq!(untold.len(), 1);
        assert_eq!((untold[0].row.kind, untold[0].why.as_str()), (Kind::Update, "mail is off"));
        let text = app
            .untold_text(&untold[0].row, |b| {
                Ok(format!("{:?} {} {}", b.kind, b.invitation.link, b.invitation.when.date))
            })
            .unwrap();
        assert!(text.starts_with("Update http") && text.contains("/v/") && text.contains("4 December"), "{text}");

        app.cancel_appointment(v.id, now).unwrap();
        let untold = app.untold(Some(v.id), now).unwrap();
        assert_eq!(untold.iter().map(|u| u.row.kind).collect::<Vec<_>>(), [Kind::Cancel], "the move's is stale");
        app.told_by_hand(untold[0].row.id, now).unwrap();
        assert!(app.untold(None, now).unwrap().is_empty());
        assert!(app.store.outbox_of(v.id).unwrap().iter().any(|r| r.state == "sent"));
    }

    #[test]
    fn with_mail_on_only_clients_mail_cannot_reach_are_listed() {
        assert_eq!(unmailable(true, Some("a@b.c"), false), None);
        assert_eq!(unmailable(true, None, false), Some("the client has no email address"));
        assert_eq!(unmailable(true, Some("a@b.c"), true), Some("the client asked for no email"));
        assert_eq!(unmailable(false, Some("a@b.c"), false), Some("mail is off"));
    }
}
