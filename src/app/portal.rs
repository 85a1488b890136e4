//! A client's stable portal: their upcoming sessions, and Join for the one
//! that is open now.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{App, JoinOutcome};
use crate::error::Result;
use crate::model::{self, LinkFacts, LinkState};
use crate::store::{ApptRow, PortalRow};
use crate::times::{self, Local};
use crate::token::{self, Kind};

/// How far ahead the portal looks.
pub const PORTAL_DAYS: i64 = 60;

/// What a portal token leads to.
#[derive(Debug)]
///
/// Every answer but `Unknown` knows its client, and carries the language
/// their page is in (`App::language_of`).
pub enum PortalView {
    Unknown,
    Revoked {
        language: &'static str,
    },
    /// Portal links are turned off in the settings.
    Off {
        language: &'static str,
    },
    /// The client was archived: no sessions to show them.
    Archived {
        language: &'static str,
    },
    Ok {
        client_id: i64,
        first_name: String,
        /// Their dates are written in it.
        language: &'static str,
        appointments: Vec<PortalAppt>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct PortalAppt {
    pub id: i64,
    pub when: Local,
    pub minutes: i64,
    pub state: LinkState,
}

impl App {
    fn portal_row(&mut self, token: &str) -> Result<Option<PortalRow>> {
        let Some(token) = token::read_token(token) else { return Ok(None) };
        let tag = self.keys.token_tag(Kind::Portal, &token);
        Ok(self.store.portal_by_tag(&tag)?.filter(|row| self.keys.token_matches(Kind::Portal, &row.seed, &token)))
    }

    /// The client's appointments from those still open now to 60 days ahead,
    /// with each one's state. Finished ones are left out; cancelled ones are
    /// shown as cancelled so the client is not left wondering.
    pub fn portal(&mut self, token: &str, now: DateTime<Utc>) -> Result<PortalView> {
        let Some(row) = self.portal_row(token)? else { return Ok(PortalView::Unknown) };
        let client = self.client_row(row.client_id)?;
        let language = self.language_of(&client)?;
        if !self.settings()?.portal_links {
            return Ok(PortalView::Off { language });
        }
        if row.revoked {
            return Ok(PortalView::Revoked { language });
        }
        if client.archived_at.is_some() {
            return Ok(PortalView::Archived { language });
        }
        let zone = self.settings()?.timezone;
        let mut appointments = vec![];
        for (appt, link) in self.upcoming_of(row.client_id, now)? {
            let state = self.state_of(&appt, link.revoked, now)?;
            if state == LinkState::Expired || state == LinkState::Revoked {
                continue;
            }
            appointments.push(PortalAppt {
                id: appt.id,
                when: Local::in_lang(times::from_unix(appt.start_at), zone, language),
                minutes: appt.minutes,
                state,
            });
        }
        let first_name = client.name.split_whitespace().next().unwrap_or_default().to_string();
        Ok(PortalView::Ok { client_id: client.id, first_name, language, appointments })
    }

    /// The client behind a portal token that works now, else the status
    /// the portal page answers with (404 unknown, 410 rotated or portals
    /// off).
    pub(super) fn portal_client(&mut self, token: &str, now: DateTime<Utc>) -> Result<Result<i64, u16>> {
        Ok(match self.portal(token, now)? {
            PortalView::Ok { client_id, .. } => Ok(client_id),
            PortalView::Unknown => Err(404),
            PortalView::Off { .. } | PortalView::Revoked { .. } | PortalView::Archived { .. } => Err(410),
        })
    }

    /// The client's appointments the portal considers, with their links.
    pub(super) fn upcoming_of(
        &mut self,
        client_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Vec<(ApptRow, crate::store::LinkRow)>> {
        // Sessions that began up to a full length plus the expiry ago may
        // still be open.
        let rule = self.settings()?.window;
        let from = now - Duration::minutes(model::MAX_MINUTES + rule.link_expires_minutes);
        let to = now + Duration::days(PORTAL_DAYS);
        self.store.appointments_of_client(client_id, from.timestamp(), to.timestamp())
    }

    fn state_of(&mut self, appt: &ApptRow, revoked: bool, now: DateTime<Utc>) -> Result<LinkState> {
        let window = self.window_of(appt)?;
        Ok(model::link_state(now, &window, LinkFacts { revoked, cancelled: appt.cancelled_at.is_some() }))
    }

    /// Join from the portal: the client's own live link to `appointment_id`
    /// must be open now.
    pub fn portal_join(
        &mut self,
        token: &str,
        appointment_id: i64,
        now: DateTime<Utc>,
        addr: &str,
    ) -> Result<JoinOutcome> {
        if !matches!(self.portal(token, now)?, PortalView::Ok { .. }) {
            return Ok(JoinOutcome::NotOpen(LinkState::Unknown));
        }
        let client_id = self.portal_row(token)?.expect("checked above").client_id;
        let Some((_, link)) = self.upcoming_of(client_id, now)?.into_iter().find(|(a, _)| a.id == appointment_id)
        else {
            return Ok(JoinOutcome::NotOpen(LinkState::Unknown));
        };
        let checked = self.check_token(&self.token_of(&link), now)?;
        self.press_join(checked, now, addr, "portal")
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_app;
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn token(url: &str) -> String {
        url.rsplit('/').next().unwrap().to_string()
    }

    #[test]
    fn portal_lists_the_next_sixty_days_and_joins_only_the_open_one() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let c = app.add_client("Ann Smith", None, None, now).unwrap();
        let portal = token(c.portal_url.as_ref().unwrap());
        let open = app.add_appointment(&[c.id], t("2026-12-01T14:00:00Z"), 50, now).unwrap();
        let later = app.add_appointment(&[c.id], t("2026-12-08T14:00:00Z"), 50, now).unwrap();
        app.add_appointment(&[c.id], t("2026-11-20T14:00:00Z"), 50, now).unwrap(); // over
        app.add_appointment(&[c.id], t("2027-03-01T14:00:00Z"), 50, now).unwrap(); // too far
        let PortalView::Ok { first_name, appointments, .. } = app.portal(&portal, now).unwrap() else { panic!() };
        assert_eq!(first_name, "Ann");
        let ids: Vec<_> = appointments.iter().map(|a| (a.id, a.state)).collect();
        assert_eq!(ids, vec![(open.id, LinkState::Open), (later.id, LinkState::Early)]);
        let who = crate::app::Who { appointment_id: open.id, client_id: c.id };
        let JoinOutcome::Wait(w, t) = app.portal_join(&portal, open.id, now, "10.0.0.2").unwrap() else {
            panic!("a portal Join waits for the clinician like any other")
        };
        assert_eq!((w, t), (who, token(&open.participants[0].link)));
        assert_eq!(
            app.portal_join(&portal, later.id, now, "10.0.0.2").unwrap(),
            JoinOutcome::NotOpen(LinkState::Early)
        );
    }

    #[test]
    fn portal_off_revoked_and_unknown() {
        let mut app = test_app();
        let now = t("2026-12-01T13:55:00Z");
        let c = app.add_client("Ann", None, None, now).unwrap();
        let old = token(c.portal_url.as_ref().unwrap());
        let new = token(&app.rotate_portal(c.id, now).unwrap().portal_url.unwrap());
        assert!(matches!(app.portal(&old, now).unwrap(), PortalView::Revoked { .. }));
        assert!(matches!(app.portal(&new, now).unwrap(), PortalView::Ok { .. }));
        assert!(matches!(app.portal("AAAAAAAAAAAAAAAAAAAAAA", now).unwrap(), PortalView::Unknown));
        app.set_setting("portal_links", "off", now).unwrap();
        assert!(matches!(app.portal(&new, now).unwrap(), PortalView::Off { .. }));
    }
}
