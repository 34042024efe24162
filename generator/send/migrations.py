"""The store's schema: version 1 as it was first made, and each migration since, in order.

A store made by any earlier rundbrief is brought up to ``SCHEMA_VERSION`` when it is opened
(:meth:`generator.send.store.Store._migrate`): statements of one migration are separated by
``;``, run in one transaction with foreign keys off (tables are copied and renamed, SQLite's own
procedure for changing a CHECK or a key), and checked with ``foreign_key_check`` before the
version is written.
"""

SCHEMA_VERSION = 5

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscribers (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,          -- lower-cased: one subscriber per address
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    unsubscribed_at TEXT
);
CREATE TABLE IF NOT EXISTS consent_events (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    kind TEXT NOT NULL CHECK (kind IN ('imported', 'requested', 'confirmed', 'unsubscribed', 'removed')),
    at TEXT NOT NULL,
    source TEXT,                             -- "import liste.csv:12", "web 203.0.113.9", ...
    detail TEXT
);
CREATE TABLE IF NOT EXISTS sends (
    slug TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    started_at TEXT NOT NULL,
    recipients INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    email TEXT NOT NULL,                     -- frozen when the send started
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed_temporary', 'failed_permanent',
                                         'unknown')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (slug, subscriber_id)
);
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (slug, state);
"""

# Version 2: what each send delivered (its build key), attempts per run, the confirmation
# queue of the web service and its rate limits. ALTER TABLE keeps stores made by version 1.
MIGRATION_2 = """
ALTER TABLE subscribers ADD COLUMN requested_at TEXT;   -- the last web request (pending rows expire)
ALTER TABLE sends ADD COLUMN build_key TEXT;            -- the build being sent (newsletter/SLUG/.build.json)
ALTER TABLE deliveries ADD COLUMN build_key TEXT;       -- the build this row was sent with
ALTER TABLE deliveries ADD COLUMN run_attempts INTEGER NOT NULL DEFAULT 0;  -- tries in this run of send
CREATE TABLE IF NOT EXISTS outbox (                     -- confirmation mails of the web service
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL,
    email_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    reply TEXT,
    sent_at TEXT
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_address ON outbox (email_key, created_at);
CREATE TABLE IF NOT EXISTS rate_limits (                -- fixed windows: one row per key and window
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    hits INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS subscribers_pending ON subscribers (status, requested_at);
"""


# Version 3: a row whose subscriber left (unsubscribed, removed) after the send started is
# "skipped" at the moment of its delivery. SQLite cannot change a CHECK constraint in place,
# so the table is copied into one with the new constraint.
MIGRATION_3 = """
CREATE TABLE deliveries_3 (
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    email TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed_temporary', 'failed_permanent',
                                         'unknown', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    build_key TEXT,
    run_attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (slug, subscriber_id)
);
INSERT INTO deliveries_3 (slug, subscriber_id, email, state, attempts, reply, next_attempt_at, updated_at,
                          sent_at, build_key, run_attempts)
    SELECT slug, subscriber_id, email, state, attempts, reply, next_attempt_at, updated_at, sent_at, build_key,
           run_attempts FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_3 RENAME TO deliveries;
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (slug, state)
"""


# Version 4: bounces, data-subject rights. A subscriber can be "bounced" (never sent to again,
# kept with its history); consent events record that too. Subscriber ids are never used again
# (AUTOINCREMENT), so the anonymous ledger rows an erased person leaves point at nobody, ever.
# A ledger row may lose its subscriber (NULL once erased) and still count for its send. The
# tables are copied (SQLite changes no CHECK or key in place); foreign keys are off meanwhile.
MIGRATION_4 = """
CREATE TABLE subscribers_4 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    email_key TEXT NOT NULL UNIQUE,
    name TEXT,
    status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed', 'bounced')),
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    unsubscribed_at TEXT,
    requested_at TEXT,
    bounced_at TEXT
);
INSERT INTO subscribers_4 (id, email, email_key, name, status, created_at, confirmed_at, unsubscribed_at, requested_at)
    SELECT id, email, email_key, name, status, created_at, confirmed_at, unsubscribed_at, requested_at FROM subscribers;
DROP TABLE subscribers;
ALTER TABLE subscribers_4 RENAME TO subscribers;
CREATE INDEX IF NOT EXISTS subscribers_pending ON subscribers (status, requested_at);
CREATE TABLE consent_events_4 (
    id INTEGER PRIMARY KEY,
    subscriber_id INTEGER NOT NULL REFERENCES subscribers(id),
    kind TEXT NOT NULL CHECK (kind IN ('imported', 'requested', 'confirmed', 'unsubscribed', 'removed', 'bounced',
                                       'restored')),
    at TEXT NOT NULL,
    source TEXT,
    detail TEXT
);
INSERT INTO consent_events_4 SELECT id, subscriber_id, kind, at, source, detail FROM consent_events;
DROP TABLE consent_events;
ALTER TABLE consent_events_4 RENAME TO consent_events;
CREATE INDEX IF NOT EXISTS consent_events_subscriber ON consent_events (subscriber_id);
CREATE TABLE deliveries_4 (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER REFERENCES subscribers(id),  -- NULL once the person was erased
    email TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'sent', 'failed_temporary', 'failed_permanent',
                                         'unknown', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    reply TEXT,
    next_attempt_at TEXT,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    build_key TEXT,
    run_attempts INTEGER NOT NULL DEFAULT 0,
    UNIQUE (slug, subscriber_id)
);
INSERT INTO deliveries_4 (slug, subscriber_id, email, state, attempts, reply, next_attempt_at, updated_at, sent_at,
                          build_key, run_attempts)
    SELECT slug, subscriber_id, email, state, attempts, reply, next_attempt_at, updated_at, sent_at, build_key,
           run_attempts FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_4 RENAME TO deliveries;
CREATE INDEX IF NOT EXISTS deliveries_state ON deliveries (slug, state);
CREATE INDEX IF NOT EXISTS deliveries_subscriber ON deliveries (subscriber_id);
CREATE TABLE IF NOT EXISTS bounces (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER REFERENCES subscribers(id),  -- NULL once the person was erased
    kind TEXT NOT NULL CHECK (kind IN ('hard', 'soft')),
    at TEXT NOT NULL,
    source TEXT,                                       -- "mbox bounces.mbox", "imap INBOX", ...
    detail TEXT,                                       -- status and diagnostic (NULL once erased)
    UNIQUE (slug, subscriber_id)                       -- one bounce per person and send, however often reported
);
CREATE TABLE IF NOT EXISTS bounce_messages (           -- every message read once (SHA-256 of its bytes)
    digest TEXT PRIMARY KEY,
    at TEXT NOT NULL,
    outcome TEXT NOT NULL
)
"""


# Version 5: tombstones of erasures (generator.send.privacy): no address, only a keyed hash
# (HMAC with RUNDBRIEF_SECRET) of it and when it was erased, kept to erase the person again when
# a backup from before the erasure is restored. Notices that refuse the sender (5.7.x: DMARC, SPF,
# a policy), one per person and send, charged to nobody: a problem of the send.
MIGRATION_5 = """
CREATE TABLE IF NOT EXISTS erasures (
    digest TEXT PRIMARY KEY,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sender_rejections (
    id INTEGER PRIMARY KEY,
    slug TEXT NOT NULL REFERENCES sends(slug),
    subscriber_id INTEGER REFERENCES subscribers(id),  -- NULL once the person was erased
    at TEXT NOT NULL,
    source TEXT,
    detail TEXT,                                       -- status and diagnostic (NULL once erased)
    UNIQUE (slug, subscriber_id)
)
"""


MIGRATIONS = ((2, MIGRATION_2), (3, MIGRATION_3), (4, MIGRATION_4), (5, MIGRATION_5))
