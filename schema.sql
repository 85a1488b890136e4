-- Porchlight's database, as numbered migrations.
--
-- Each numbered migration block below runs once, in its own transaction, which also
-- sets PRAGMA user_version to N. Never edit a block that has shipped: add a
-- new one below. Times are UTC seconds since the Unix epoch.
--
-- No token, code or password is stored in plain form: links keep a random
-- seed from which the token and code are derived with a key that lives only
-- in the key file, plus keyed tags of both for lookup.

-- migration 1
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Internal facts the program keeps for itself (the address serve last
-- listened on, whether this is a demo practice).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE admin (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    password_hash TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    email       TEXT,
    phone       TEXT,
    created_at  INTEGER NOT NULL,
    archived_at INTEGER
) STRICT;

-- One live portal link per client; rotated ones keep revoked_at.
CREATE TABLE portal_links (
    id         INTEGER PRIMARY KEY,
    client_id  INTEGER NOT NULL REFERENCES clients (id),
    seed       BLOB NOT NULL,
    token_tag  BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
CREATE INDEX portal_links_client ON portal_links (client_id);

CREATE TABLE appointments (
    id           INTEGER PRIMARY KEY,
    start_at     INTEGER NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 720),
    -- Random per appointment, never derived from client data.
    room         TEXT NOT NULL UNIQUE,
    cancelled_at INTEGER,
    -- Raised on every move, for calendar updates.
    sequence     INTEGER NOT NULL DEFAULT 0,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX appointments_start ON appointments (start_at);

CREATE TABLE participants (
    id             INTEGER PRIMARY KEY,
    appointment_id INTEGER NOT NULL REFERENCES appointments (id),
    client_id      INTEGER NOT NULL REFERENCES clients (id),
    removed_at     INTEGER,
    UNIQUE (appointment_id, client_id)
) STRICT;
CREATE INDEX participants_client ON participants (client_id);

-- One live link per participant; rotated ones keep revoked_at.
CREATE TABLE links (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    seed           BLOB NOT NULL,
    token_tag      BLOB NOT NULL UNIQUE,
    code_tag       BLOB NOT NULL UNIQUE,
    created_at     INTEGER NOT NULL,
    revoked_at     INTEGER,
    last_opened_at INTEGER
) STRICT;
CREATE INDEX links_participant ON links (participant_id);

-- Append-only. Never holds a token, a code or a password. Each row's hash
-- is an HMAC, under the key file, of the previous row's hash and this
-- row: `porchlight audit verify` finds an altered, inserted or removed
-- row, and without the key nobody can forge the chain.
CREATE TABLE audit (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,
    event          TEXT NOT NULL,
    appointment_id INTEGER,
    client_id      INTEGER,
    addr           TEXT,
    detail         TEXT NOT NULL DEFAULT '',
    hash           BLOB
) STRICT;
CREATE INDEX audit_at ON audit (at);

-- porchlight_chain() is registered by Porchlight on its connections; a
-- tool without it cannot append to the audit trail at all.
CREATE TRIGGER audit_chain AFTER INSERT ON audit BEGIN
    UPDATE audit SET hash = porchlight_chain(
        (SELECT hash FROM audit WHERE id < NEW.id ORDER BY id DESC LIMIT 1),
        NEW.id, NEW.at, NEW.event, NEW.appointment_id, NEW.client_id, NEW.addr, NEW.detail)
    WHERE id = NEW.id;
END;

-- migration 2
-- Admin sessions. The session id lives only in the clinician's cookie;
-- the database keeps its SHA-256, so a copy of the database cannot be
-- replayed as a login.
CREATE TABLE admin_sessions (
    id_hash    BLOB PRIMARY KEY,
    created_at INTEGER NOT NULL,
    seen_at    INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- migration 3
-- The clinician-first waiting room: when the clinician pressed Start, and
-- which participants they let in before that. A move clears both.
ALTER TABLE appointments ADD COLUMN started_at INTEGER;
ALTER TABLE participants ADD COLUMN admitted_at INTEGER;

-- migration 4
-- Reminders by mail. A client can opt out of mail altogether.
ALTER TABLE clients ADD COLUMN no_mail INTEGER NOT NULL DEFAULT 0;

-- One row per message: a reminder per (participant, reminder hour,
-- appointment version), an update after a move, a cancellation. Sending is
-- at most once: a row is claimed ('sending') and committed before the
-- message leaves and marked 'sent' after; a crash in between leaves
-- 'sending', which the next start turns into 'unknown' for the clinician
-- to resend or not, instead of sending it again by itself.
CREATE TABLE outbox (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('reminder', 'update', 'cancel')),
    sequence       INTEGER NOT NULL,
    hours          INTEGER NOT NULL DEFAULT 0,
    due_at         INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    INTEGER NOT NULL,
    sent_at        INTEGER,
    error          TEXT,
    UNIQUE (participant_id, kind, sequence, hours)
) STRICT;
CREATE INDEX outbox_next ON outbox (state, next_try_at);
-- Planning after a change looks up one appointment's rows.
CREATE INDEX outbox_participant ON outbox (participant_id, sequence);

-- The clinician's private calendar feed: one live token; rotated ones keep
-- revoked_at. Like links, only a seed and a keyed tag are stored.
CREATE TABLE calendar_feeds (
    id         INTEGER PRIMARY KEY,
    seed       BLOB NOT NULL,
    token_tag  BLOB NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

-- migration 5
-- Repeating sessions (SPEC, "Series and calendars"). A series keeps its
-- rule (the RRULE subset of recurrence.rs), the first session's local wall
-- time and the zone it was made in, so later sessions keep that wall time
-- across daylight-saving changes even if the practice zone changes. Every
-- occurrence is an ordinary appointment with its own links, pointing back
-- here with the instant the rule gave it (its RECURRENCE-ID): moving or
-- cancelling one occurrence keeps that instant, so making more occurrences
-- never makes one twice.
CREATE TABLE series (
    id         INTEGER PRIMARY KEY,
    rrule      TEXT NOT NULL,
    -- 'YYYY-MM-DDTHH:MM:SS', local to tzid.
    dtstart    TEXT NOT NULL,
    tzid       TEXT NOT NULL,
    minutes    INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 720),
    -- Every occurrence the rule gives before this instant exists.
    made_until INTEGER NOT NULL,
    -- Cancelled: no occurrence is made any more.
    ended_at   INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Who each new occurrence is made for: those who have not left (an
-- archived client leaves their series for good).
CREATE TABLE series_clients (
    series_id INTEGER NOT NULL REFERENCES series (id),
    client_id INTEGER NOT NULL REFERENCES clients (id),
    left_at   INTEGER,
    PRIMARY KEY (series_id, client_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX series_clients_client ON series_clients (client_id);

ALTER TABLE appointments ADD COLUMN series_id INTEGER REFERENCES series (id);
ALTER TABLE appointments ADD COLUMN recurrence_at INTEGER;
CREATE UNIQUE INDEX appointments_occurrence ON appointments (series_id, recurrence_at);

-- migration 6
-- Appointments brought in from another calendar (SPEC, `import ics` and
-- `calendar_import_url`), found again by the event's UID and, for one
-- occurrence of a repeating event, its RECURRENCE-ID instant (RFC 5545
-- section 3.8.4.4; 0 for an event that does not repeat). Importing again
-- moves, changes or cancels the appointment it made, keeping its links.
-- `start_at`, `minutes` and `attendees` are the event's as last imported:
-- a change made here stands until the calendar itself changes the event.
CREATE TABLE imported (
    uid            TEXT NOT NULL,
    recurrence_at  INTEGER NOT NULL,
    appointment_id INTEGER NOT NULL UNIQUE REFERENCES appointments (id),
    -- Only what the synced address gave is cancelled when it disappears
    -- from it; a file may hold part of a calendar.
    origin         TEXT NOT NULL CHECK (origin IN ('file', 'sync')),
    start_at       INTEGER NOT NULL,
    minutes        INTEGER NOT NULL,
    -- The client attendees' addresses as last imported, lower case,
    -- sorted, one per line.
    attendees      TEXT NOT NULL,
    imported_at    INTEGER NOT NULL,
    PRIMARY KEY (uid, recurrence_at)
) STRICT;

-- The last fetch of `calendar_import_url`, for the dashboard: when it was
-- tried, when it last worked, why the last try failed (never the address
-- itself: it is a secret), and the last good import's counts as JSON.
CREATE TABLE calendar_sync (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    tried_at   INTEGER NOT NULL,
    ok_at      INTEGER,
    error      TEXT,
    summary    TEXT
) STRICT;

-- migration 7
-- The clinician's "running late" note to everyone waiting for one
-- session: one line of plain text (at most 200 characters, no control
-- characters; `app::late` checks it), shown on its participants' pages
-- while its window is open. Cleared by setting it to NULL.
ALTER TABLE appointments ADD COLUMN late_note TEXT;
ALTER TABLE appointments ADD COLUMN late_note_at INTEGER;

-- "Send the link again" to a participant who has not arrived: a message
-- of its own kind, as many as the clinician presses (the rule of one
-- per two minutes is `app::late`'s), while every other kind stays once
-- per participant, kind, version and hour. SQLite cannot change a CHECK
-- in place: the table is made anew and its rows copied, ids and all.
CREATE TABLE outbox_new (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants (id),
    kind           TEXT NOT NULL CHECK (kind IN ('reminder', 'update', 'cancel', 'resend')),
    sequence       INTEGER NOT NULL,
    hours          INTEGER NOT NULL DEFAULT 0,
    due_at         INTEGER NOT NULL,
    state          TEXT NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown', 'skipped')),
    attempts       INTEGER NOT NULL DEFAULT 0,
    next_try_at    INTEGER NOT NULL,
    sent_at        INTEGER,
    error          TEXT
) STRICT;
INSERT INTO outbox_new SELECT id, participant_id, kind, sequence, hours, due_at, state, attempts, next_try_at,
    sent_at, error FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE UNIQUE INDEX outbox_once ON outbox (participant_id, kind, sequence, hours) WHERE kind != 'resend';
CREATE INDEX outbox_next ON outbox (state, next_try_at);
CREATE INDEX outbox_participant ON outbox (participant_id, sequence);

-- migration 8
-- The language a client reads their pages and messages in (a bundled
-- BCP 47 tag: 'en', 'es'); NULL follows the practice's `language`
-- setting, so a practice that changes it takes its clients along.
ALTER TABLE clients ADD COLUMN language TEXT CHECK (language IS NULL OR length(language) BETWEEN 2 AND 8);
