//! The signalling hub of the built-in room: who is in which room now, and
//! the messages waiting for each of them. Browsers send each other their
//! offers, answers and network candidates through it; the video itself
//! goes browser to browser.
//!
//! Memory only, and bounded: a few rooms, a few people per room, a short
//! queue per person, small messages. A person who stops asking for
//! messages is dropped after [`LOST_AFTER`]: [`Hub::sweep`] looks at every
//! room, and the server calls it every [`Hub::sweep_every`] whatever the
//! rooms are doing, so a room whose people all closed their browsers is
//! noticed within a minute even when nobody else asks anything. Nothing
//! here is written down; the audit trail records entering (at Join) and
//! leaving (by the caller).

use std::collections::{HashMap, VecDeque};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{Value, json};

use super::ticket::Ticket;

/// People in one room at once (a clinician and a couple, with room to spare).
pub const MAX_PEERS: usize = 6;
/// Rooms open at once.
pub const MAX_ROOMS: usize = 32;
/// Messages waiting for one person; a sender past it is refused.
pub const MAX_QUEUE: usize = 128;
/// Largest message (an offer with its codecs is a few kilobytes).
pub const MAX_MESSAGE: usize = 32 * 1024;
/// A person who has not asked for messages for this long has left (the
/// page asks at least every [`POLL_WAIT`]; a wait in progress counts as
/// asking).
pub const LOST_AFTER: Duration = Duration::from_secs(40);
/// Test-only: `LOST_AFTER` in whole seconds (1 to 40), so an integration
/// test sees a room empty out in seconds. Not a setting: nothing else
/// reads it, and a larger value is refused.
pub const LOST_AFTER_TEST_ENV: &str = "PORCHLIGHT_TEST_ROOM_LOST_AFTER_SECS";
/// Longest wait of one request for messages.
pub const POLL_WAIT: Duration = Duration::from_secs(20);
/// How long an ended room stays closed to clients (longer than any
/// window's remainder: by then their tickets are dead anyway).
pub const ENDED_KEPT: Duration = Duration::from_secs(4 * 3600);

/// The `why` of a visit replaced by the same seat's next one (a reload, a
/// second tab): that person is still in the room.
pub const REPLACED: &str = "entered again";

/// Why the hub said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Too many people or rooms, or a full queue.
    Full,
    /// The clinician ended the session.
    Ended,
    /// Not someone in this room: a stranger, a peer id shown from another
    /// seat, or a visit replaced by a later one of the same seat.
    Stranger,
    /// Nobody sits in this seat now, though the ticket is good: the server
    /// restarted, or the visit went quiet for [`LOST_AFTER`]. The page
    /// may enter again.
    Absent,
    /// A message that is not a small JSON object.
    Malformed,
}

/// A person as the others see them.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PeerInfo {
    pub id: String,
    pub name: String,
    pub clinician: bool,
}

/// Someone who left (or was dropped), for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Left {
    pub ticket: Ticket,
    pub why: &'static str,
}

struct Peer {
    info: PeerInfo,
    seat: String,
    ticket: Ticket,
    queue: VecDeque<Value>,
    seen: Instant,
    /// Requests for messages waiting now: such a person is here.
    polling: u32,
}

#[derive(Default)]
struct Room {
    peers: Vec<Peer>,
    /// When the clinician ended the session, if they did.
    ended: Option<Instant>,
}

impl Room {
    fn tell_all(&mut self, except: &str, message: &Value) {
        for p in self.peers.iter_mut().filter(|p| p.info.id != except) {
            if p.queue.len() < MAX_QUEUE {
                p.queue.push_back(message.clone());
            }
        }
    }

    fn remove(&mut self, id: &str, why: &'static str, left: &mut Vec<Left>) {
        if let Some(i) = self.peers.iter().position(|p| p.info.id == id) {
            let gone = self.peers.remove(i);
            left.push(Left { ticket: gone.ticket, why });
            self.tell_all(id, &json!({"type": "left", "peer": id}));
        }
    }
}

/// Every open built-in room.
pub struct Hub {
    rooms: Mutex<HashMap<String, Room>>,
    changed: Condvar,
    lost_after: Duration,
}

impl Default for Hub {
    fn default() -> Hub {
        Hub::with_lost_after(LOST_AFTER)
    }
}

/// What a person entering learns.
#[derive(Debug, Serialize)]
pub struct Entered {
    /// Their id for this visit (a page load).
    pub peer: String,
    /// Who is there already: the newcomer calls each of them.
    pub others: Vec<PeerInfo>,
}

impl Hub {
    /// A hub that drops a silent person after `lost_after` (capped at
    /// [`LOST_AFTER`]).
    pub fn with_lost_after(lost_after: Duration) -> Hub {
        Hub { rooms: Mutex::default(), changed: Condvar::new(), lost_after: lost_after.min(LOST_AFTER) }
    }

    /// The hub `serve` runs: [`LOST_AFTER`], or the test-only
    /// [`LOST_AFTER_TEST_ENV`] when it holds 1 to 40.
    pub fn from_env() -> Hub {
        let secs = std::env::var(LOST_AFTER_TEST_ENV).ok().and_then(|v| v.parse::<u64>().ok());
        match secs.filter(|s| (1..=LOST_AFTER.as_secs()).contains(s)) {
            Some(s) => Hub::with_lost_after(Duration::from_secs(s)),
            None => Hub::default(),
        }
    }

    /// How often the server should call [`Hub::sweep`]: an eighth of the
    /// silence that counts as lost (5 s), so a lost person is noticed by
    /// `lost_after` and one eighth more, 45 s.
    pub fn sweep_every(&self) -> Duration {
        (self.lost_after / 8).max(Duration::from_millis(100))
    }

    /// Drop everyone in every room who stopped asking by `now`, and rooms
    /// left empty; who left, for the audit trail.
    pub fn sweep(&self, now: Instant) -> Vec<Left> {
        let mut left = vec![];
        sweep(&mut self.lock(), now, self.lost_after, &mut left);
        if !left.is_empty() {
            self.changed.notify_all();
        }
        left
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Room>> {
        self.rooms.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Enter `room` in `seat`. The same seat entering again (a reload, a
    /// second tab) replaces the earlier visit. `left` gains whoever was
    /// replaced or dropped on the way.
    pub fn enter(
        &self,
        room: &str,
        seat: &str,
        ticket: Ticket,
        name: &str,
        now: Instant,
        left: &mut Vec<Left>,
    ) -> Result<Entered, Refusal> {
        let mut rooms = self.lock();
        sweep(&mut rooms, now, self.lost_after, left);
        // Only rooms with people in them count: ended rooms are just notes.
        let live = rooms.values().filter(|r| !r.peers.is_empty()).count();
        if rooms.get(room).is_none_or(|r| r.peers.is_empty()) && live >= MAX_ROOMS {
            return Err(Refusal::Full);
        }
        let r = rooms.entry(room.to_string()).or_default();
        let clinician = matches!(ticket.person, super::ticket::Person::Clinician);
        if r.ended.is_some() && !clinician {
            return Err(Refusal::Ended);
        }
        r.ended = None;
        if let Some(old) = r.peers.iter().find(|p| p.seat == seat).map(|p| p.info.id.clone()) {
            r.remove(&old, REPLACED, left);
        }
        if r.peers.len() >= MAX_PEERS {
            return Err(Refusal::Full);
        }
        let info = PeerInfo { id: crate::token::random_name(), name: name.to_string(), clinician };
        let others = r.peers.iter().map(|p| p.info.clone()).collect();
        r.tell_all("", &json!({"type": "joined", "peer": info}));
        r.peers.push(Peer {
            info: info.clone(),
            seat: seat.to_string(),
            ticket,
            queue: VecDeque::new(),
            seen: now,
            polling: 0,
        });
        drop(rooms);
        self.changed.notify_all();
        Ok(Entered { peer: info.id, others })
    }

    /// Pass `data` from `from` (who must sit in `seat`) to `to`.
    pub fn send(&self, room: &str, seat: &str, from: &str, to: &str, data: Value) -> Result<(), Refusal> {
        if !data.is_object() || data.to_string().len() > MAX_MESSAGE {
            return Err(Refusal::Malformed);
        }
        let mut rooms = self.lock();
        let r = rooms.get_mut(room).ok_or(Refusal::Stranger)?;
        if !r.peers.iter().any(|p| p.info.id == from && p.seat == seat) {
            return Err(Refusal::Stranger);
        }
        let target = r.peers.iter_mut().find(|p| p.info.id == to).ok_or(Refusal::Stranger)?;
        if target.queue.len() >= MAX_QUEUE {
            return Err(Refusal::Full);
        }
        target.queue.push_back(json!({"type": "signal", "from": from, "data": data}));
        drop(rooms);
        self.changed.notify_all();
        Ok(())
    }

    /// The messages waiting for `peer`, waiting up to `wait` for the first.
    pub fn receive(
        &self,
        room: &str,
        seat: &str,
        peer: &str,
        wait: Duration,
        left: &mut Vec<Left>,
    ) -> Result<Vec<Value>, Refusal> {
        let deadline = Instant::now() + wait;
        let mut rooms = self.lock();
        loop {
            let now = Instant::now();
            sweep(&mut rooms, now, self.lost_after, left);
            let Some(me) =
                rooms.get_mut(room).and_then(|r| r.peers.iter_mut().find(|p| p.info.id == peer && p.seat == seat))
            else {
                return Err(missing(&rooms, room, seat));
            };
            me.seen = now;
            if !me.queue.is_empty() || now >= deadline {
                return Ok(me.queue.drain(..).collect());
            }
            me.polling += 1;
            rooms = self.changed.wait_timeout(rooms, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
            let me = rooms.get_mut(room).and_then(|r| r.peers.iter_mut().find(|p| p.info.id == peer));
            if let Some(me) = me {
                me.polling -= 1;
                me.seen = Instant::now();
            }
        }
    }

    /// `peer` leaves.
    pub fn leave(&self, room: &str, seat: &str, peer: &str, left: &mut Vec<Left>) -> Result<(), Refusal> {
        let mut rooms = self.lock();
        let r = rooms.get_mut(room).ok_or(Refusal::Stranger)?;
        if !r.peers.iter().any(|p| p.info.id == peer && p.seat == seat) {
            return Err(Refusal::Stranger);
        }
        r.remove(peer, "left", left);
        if r.peers.is_empty() && r.ended.is_none() {
            rooms.remove(room);
        }
        drop(rooms);
        self.changed.notify_all();
        Ok(())
    }

    /// The clinician ends the session for everyone: each is told, and the
    /// room stays closed to clients until the clinician enters again.
    pub fn end(&self, room: &str, seat: &str, peer: &str, left: &mut Vec<Left>) -> Result<(), Refusal> {
        let mut rooms = self.lock();
        let r = rooms.get_mut(room).ok_or(Refusal::Stranger)?;
        let me = r.peers.iter().find(|p| p.info.id == peer && p.seat == seat).ok_or(Refusal::Stranger)?;
        if !me.info.clinician {
            return Err(Refusal::Stranger);
        }
        r.ended = Some(Instant::now());
        r.remove(peer, "ended the session", left);
        r.tell_all(peer, &json!({"type": "ended"}));
        drop(rooms);
        self.changed.notify_all();
        Ok(())
    }

    /// How many people are in `room`.
    pub fn count(&self, room: &str) -> usize {
        self.lock().get(room).map_or(0, |r| r.peers.len())
    }
}

/// Why a visit to `seat` is not in `room`. A seat someone else holds
/// now was taken over (another tab): that visit must not take it back,
/// or two tabs would push each other out for ever.
fn missing(rooms: &HashMap<String, Room>, room: &str, seat: &str) -> Refusal {
    match rooms.get(room) {
        Some(r) if r.peers.iter().any(|p| p.seat == seat) => Refusal::Stranger,
        Some(r) if r.ended.is_some() => Refusal::Ended,
        _ => Refusal::Absent,
    }
}

/// Drop everyone who stopped asking, rooms left empty, and ended rooms
/// after [`ENDED_KEPT`].
fn sweep(rooms: &mut HashMap<String, Room>, now: Instant, lost_after: Duration, left: &mut Vec<Left>) {
    for r in rooms.values_mut() {
        let lost: Vec<String> = r
            .peers
            .iter()
            .filter(|p| p.polling == 0 && now.saturating_duration_since(p.seen) > lost_after)
            .map(|p| p.info.id.clone())
            .collect();
        for id in lost {
            r.remove(&id, "lost the connection", left);
        }
    }
    rooms
        .retain(|_, r| !r.peers.is_empty() || r.ended.is_some_and(|at| now.saturating_duration_since(at) < ENDED_KEPT));
}

#[cfg(test)]
mod tests {
    use super::super::ticket::Person;
    use super::*;

    fn ticket(person: Person) -> Ticket {
        Ticket { appointment_id: 1, person, expires: 2_000_000_000 }
    }

    #[test]
    fn a_newcomer_meets_those_present_and_messages_reach_only_their_addressee() {
        let hub = Hub::default();
        let mut left = vec![];
        let now = Instant::now();
        let k = hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", now, &mut left).unwrap();
        assert!(k.others.is_empty());
        let a = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        assert_eq!(a.others.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), ["Dr K"]);
        let b = hub.enter("r", "seat-b", ticket(Person::Client(2)), "Bo", now, &mut left).unwrap();
        assert_eq!(b.others.len(), 2);

        let got = hub.receive("r", "seat-k", &k.peer, Duration::ZERO, &mut left).unwrap();
        assert_eq!(got.len(), 2, "the clinician heard of both: {got:?}");
        hub.send("r", "seat-a", &a.peer, &k.peer, json!({"sdp": "offer"})).unwrap();
        let got = hub.receive("r", "seat-k", &k.peer, Duration::ZERO, &mut left).unwrap();
        assert_eq!(got, vec![json!({"type": "signal", "from": a.peer, "data": {"sdp": "offer"}})]);
        let bo = hub.receive("r", "seat-b", &b.peer, Duration::ZERO, &mut left).unwrap();
        assert!(bo.is_empty(), "Bo sees nothing meant for the clinician: {bo:?}");
        assert!(left.is_empty());
    }

    #[test]
    fn strangers_wrong_seats_and_bad_messages_are_refused() {
        let hub = Hub::default();
        let mut left = vec![];
        let now = Instant::now();
        let a = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        let b = hub.enter("r", "seat-b", ticket(Person::Client(2)), "Bo", now, &mut left).unwrap();
        let x = hub.enter("other", "seat-x", ticket(Person::Client(3)), "X", now, &mut left).unwrap();
        // A peer id of another room, or presented from another seat.
        assert_eq!(hub.send("r", "seat-x", &x.peer, &a.peer, json!({})), Err(Refusal::Stranger));
        assert_eq!(hub.send("r", "seat-b", &a.peer, &b.peer, json!({})), Err(Refusal::Stranger));
        assert_eq!(hub.send("r", "seat-a", &a.peer, &x.peer, json!({})), Err(Refusal::Stranger));
        assert_eq!(hub.receive("r", "seat-b", &a.peer, Duration::ZERO, &mut left), Err(Refusal::Stranger));
        assert_eq!(hub.send("r", "seat-a", &a.peer, &b.peer, json!("text")), Err(Refusal::Malformed));
        let big = json!({"sdp": "x".repeat(MAX_MESSAGE)});
        assert_eq!(hub.send("r", "seat-a", &a.peer, &b.peer, big), Err(Refusal::Malformed));
        for _ in 0..MAX_QUEUE {
            hub.send("r", "seat-a", &a.peer, &b.peer, json!({"c": 1})).unwrap();
        }
        assert_eq!(hub.send("r", "seat-a", &a.peer, &b.peer, json!({"c": 1})), Err(Refusal::Full));
    }

    #[test]
    fn reentering_replaces_the_seat_and_silence_drops_a_peer() {
        let hub = Hub::default();
        let mut left = vec![];
        let t0 = Instant::now();
        let a1 = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", t0, &mut left).unwrap();
        let k = hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", t0, &mut left).unwrap();
        let a2 = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", t0, &mut left).unwrap();
        assert_ne!(a1.peer, a2.peer);
        assert_eq!(left.iter().map(|l| l.why).collect::<Vec<_>>(), ["entered again"]);
        assert_eq!(hub.count("r"), 2);
        // Ann stops asking; the clinician keeps asking.
        let later = t0 + LOST_AFTER + Duration::from_secs(1);
        left.clear();
        hub.enter("r", "seat-b", ticket(Person::Client(2)), "Bo", later, &mut left).unwrap();
        let gone: Vec<_> = left.iter().map(|l| (l.ticket.person, l.why)).collect();
        assert!(gone.contains(&(Person::Client(1), "lost the connection")), "{gone:?}");
        let _ = k;
    }

    #[test]
    fn a_visit_the_hub_forgot_may_enter_again_but_a_replaced_one_may_not() {
        let mut left = vec![];
        let now = Instant::now();
        let before = Hub::default();
        let a = before.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        // The server restarted: a new, empty hub.
        let hub = Hub::default();
        assert_eq!(hub.receive("r", "seat-a", &a.peer, Duration::ZERO, &mut left), Err(Refusal::Absent));
        let k = hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", now, &mut left).unwrap();
        assert_eq!(hub.receive("r", "seat-a", &a.peer, Duration::ZERO, &mut left), Err(Refusal::Absent));
        // Dropped after going quiet: absent too.
        let a2 = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        let later = now + LOST_AFTER + Duration::from_secs(1);
        hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", later, &mut left).unwrap();
        assert_eq!(hub.receive("r", "seat-a", &a2.peer, Duration::ZERO, &mut left), Err(Refusal::Absent));
        // Another tab took the seat: the first one is out for good.
        let tab1 = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", later, &mut left).unwrap();
        hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", later, &mut left).unwrap();
        assert_eq!(hub.receive("r", "seat-a", &tab1.peer, Duration::ZERO, &mut left), Err(Refusal::Stranger));
        let _ = k;
    }

    #[test]
    fn the_clinician_ends_for_everyone_and_clients_cannot_come_back_alone() {
        let hub = Hub::default();
        let mut left = vec![];
        let now = Instant::now();
        let k = hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", now, &mut left).unwrap();
        let a = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        assert_eq!(hub.end("r", "seat-a", &a.peer, &mut left), Err(Refusal::Stranger), "a client cannot end");
        hub.end("r", "seat-k", &k.peer, &mut left).unwrap();
        let got = hub.receive("r", "seat-a", &a.peer, Duration::ZERO, &mut left).unwrap();
        assert!(got.contains(&json!({"type": "ended"})), "{got:?}");
        hub.leave("r", "seat-a", &a.peer, &mut left).unwrap();
        let late = hub.receive("r", "seat-a", &a.peer, Duration::ZERO, &mut left);
        assert_eq!(late, Err(Refusal::Ended), "a visit gone from an ended room is told so");
        let again = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left);
        assert_eq!(again.err(), Some(Refusal::Ended));
        hub.enter("r", "seat-k", ticket(Person::Clinician), "Dr K", now, &mut left).unwrap();
        hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
    }

    #[test]
    fn ended_rooms_do_not_fill_the_hub_and_are_forgotten_in_time() {
        let hub = Hub::default();
        let mut left = vec![];
        let now = Instant::now();
        for i in 0..MAX_ROOMS + 8 {
            let room = format!("r{i}");
            let k = hub.enter(&room, "k", ticket(Person::Clinician), "Dr K", now, &mut left).unwrap();
            hub.end(&room, "k", &k.peer, &mut left).unwrap();
        }
        assert!(hub.enter("new", "a", ticket(Person::Client(1)), "Ann", now, &mut left).is_ok());
        for i in 0..MAX_ROOMS - 1 {
            hub.enter(&format!("busy{i}"), "a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        }
        let full = hub.enter("one-too-many", "a", ticket(Person::Client(1)), "Ann", now, &mut left);
        assert_eq!(full.err(), Some(Refusal::Full), "32 rooms with people in them");
        assert_eq!(hub.enter("r0", "a", ticket(Person::Client(1)), "Ann", now, &mut left).err(), Some(Refusal::Full));
        let later = now + ENDED_KEPT + Duration::from_secs(1);
        hub.enter("busy0", "a", ticket(Person::Client(1)), "Ann", later, &mut left).unwrap();
        assert!(!hub.lock().contains_key("r0"), "an ended room is forgotten after ENDED_KEPT");
    }

    #[test]
    fn a_waiting_receive_wakes_when_a_message_arrives() {
        let hub = std::sync::Arc::new(Hub::default());
        let mut left = vec![];
        let now = Instant::now();
        let a = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", now, &mut left).unwrap();
        let b = hub.enter("r", "seat-b", ticket(Person::Client(2)), "Bo", now, &mut left).unwrap();
        hub.receive("r", "seat-a", &a.peer, Duration::ZERO, &mut left).unwrap();
        let waiter = {
            let (hub, peer) = (hub.clone(), a.peer.clone());
            std::thread::spawn(move || hub.receive("r", "seat-a", &peer, Duration::from_secs(10), &mut vec![]))
        };
        std::thread::sleep(Duration::from_millis(100));
        let sent = Instant::now();
        hub.send("r", "seat-b", &b.peer, &a.peer, json!({"ice": 1})).unwrap();
        let got = waiter.join().unwrap().unwrap();
        assert_eq!(got.len(), 1);
        assert!(sent.elapsed() < Duration::from_secs(5), "woken by the message, not the timeout");
    }

    #[test]
    fn a_sweep_empties_a_silent_room_whatever_a_busy_one_does() {
        let hub = Hub::default();
        let mut left = vec![];
        let t0 = Instant::now();
        let quiet = hub.enter("quiet", "seat-a", ticket(Person::Client(1)), "Ann", t0, &mut left).unwrap();
        hub.enter("quiet", "seat-k", ticket(Person::Clinician), "Dr K", t0, &mut left).unwrap();
        hub.enter("busy", "seat-b", ticket(Person::Client(2)), "Bo", t0, &mut left).unwrap();
        // Nobody else asks anything: the sweep alone notices, by `now`.
        assert!(hub.sweep(t0 + LOST_AFTER).is_empty(), "not yet");
        let gone = hub.sweep(t0 + LOST_AFTER + Duration::from_secs(1));
        let mut who: Vec<_> = gone.iter().map(|l| (l.ticket.person, l.why)).collect();
        who.sort_by_key(|(p, _)| format!("{p:?}"));
        assert_eq!(
            who,
            [
                (Person::Client(1), "lost the connection"),
                (Person::Client(2), "lost the connection"),
                (Person::Clinician, "lost the connection")
            ]
        );
        assert_eq!((hub.count("quiet"), hub.count("busy")), (0, 0));
        assert_eq!(hub.receive("quiet", "seat-a", &quiet.peer, Duration::ZERO, &mut left), Err(Refusal::Absent));

        // A room whose page keeps asking stays; the silent one beside it,
        // last heard 30 s ago, goes 11 s later.
        let t1 = Instant::now();
        let earlier = t1.checked_sub(Duration::from_secs(30)).expect("a monotonic clock 30 s old");
        hub.enter("quiet", "seat-a", ticket(Person::Client(1)), "Ann", earlier, &mut left).unwrap();
        let busy = hub.enter("busy", "seat-b", ticket(Person::Client(2)), "Bo", t1, &mut left).unwrap();
        hub.receive("busy", "seat-b", &busy.peer, Duration::ZERO, &mut left).unwrap();
        let gone = hub.sweep(t1 + Duration::from_secs(11));
        assert_eq!(gone.iter().map(|l| l.ticket.person).collect::<Vec<_>>(), [Person::Client(1)]);
        assert_eq!(hub.count("busy"), 1);
    }

    #[test]
    fn a_person_waiting_for_messages_is_not_lost() {
        let hub = std::sync::Arc::new(Hub::with_lost_after(Duration::from_millis(50)));
        let mut left = vec![];
        let a = hub.enter("r", "seat-a", ticket(Person::Client(1)), "Ann", Instant::now(), &mut left).unwrap();
        let waiter = {
            let (hub, peer) = (hub.clone(), a.peer.clone());
            std::thread::spawn(move || hub.receive("r", "seat-a", &peer, Duration::from_millis(400), &mut vec![]))
        };
        std::thread::sleep(Duration::from_millis(200));
        assert!(hub.sweep(Instant::now()).is_empty(), "waiting in a poll is being here");
        assert_eq!(waiter.join().unwrap(), Ok(vec![]));
        assert_eq!(hub.sweep_every(), Duration::from_millis(100));
        assert_eq!(Hub::default().sweep_every(), Duration::from_secs(5));
    }
}
