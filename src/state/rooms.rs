//! Leaving the built-in rooms: whoever the hub dropped is audited and
//! taken off "Waiting now", whether a request or the sweep noticed.

use std::time::Instant;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::app::App;
use crate::video::hub::{self, Left};
use crate::video::ticket::Ticket;

/// Drop whoever went silent in any room, audit them and take them off
/// "Waiting now". The server calls this every [`hub::Hub::sweep_every`],
/// on a thread of its own, whatever the rooms are doing: a room both
/// people closed is noticed within a minute even when no other request
/// comes (before, only the next request to some room swept, so an idle
/// evening kept "sent to the video room" up for twenty minutes).
pub fn sweep(shared: &Shared) {
    let left = shared.hub.sweep(Instant::now());
    if !left.is_empty() {
        let now = shared.clock.now(Utc::now()).now;
        shared.with_app(|app| audit_left(app, shared, &left, now, None));
    }
}

/// Audit who left, and take them off "Waiting now" (a visit replaced by
/// the same seat's next one is still in the room). `own` is the ticket
/// and address of a person who left by this very request (the others
/// were dropped or replaced).
pub fn audit_left(app: &mut App, shared: &Shared, left: &[Left], now: DateTime<Utc>, own: Option<(&Ticket, &str)>) {
    for l in left {
        let addr = own.filter(|(t, _)| **t == l.ticket).map(|(_, a)| a);
        match app.room_left(&l.ticket, l.why, now, addr) {
            Ok(Some(client_id)) if l.why != hub::REPLACED => shared.presence.gone(l.ticket.appointment_id, client_id),
            Ok(_) => {}
            Err(e) => eprintln!("porchlight: could not record leaving the room: {e}"),
        }
    }
}
