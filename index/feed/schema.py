"""The feed's tables: votes, seed papers, followed authors, muted keywords, reading lists, digest opt-ins.

Members and channels are opaque text keys chosen by the front end ("discord:1234", "cli:alice"): the library
never parses them. Every row is one preference a member can list and undo.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS feed_votes (
    member TEXT NOT NULL, paper_id TEXT NOT NULL, value INTEGER NOT NULL CHECK (value IN (-1, 1)),
    channel TEXT NOT NULL DEFAULT '', topic TEXT NOT NULL DEFAULT '', voted_at TEXT NOT NULL,
    PRIMARY KEY (member, paper_id)
);
CREATE INDEX IF NOT EXISTS feed_votes_channel ON feed_votes(channel);
CREATE TABLE IF NOT EXISTS feed_seeds (
    topic TEXT NOT NULL, channel TEXT NOT NULL DEFAULT '', paper_id TEXT NOT NULL,
    added_by TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL,
    PRIMARY KEY (topic, channel, paper_id)
);
CREATE TABLE IF NOT EXISTS feed_follows (
    member TEXT NOT NULL, author_key TEXT NOT NULL, author TEXT NOT NULL, added_at TEXT NOT NULL,
    PRIMARY KEY (member, author_key)
);
CREATE TABLE IF NOT EXISTS feed_mutes (
    member TEXT NOT NULL, keyword_key TEXT NOT NULL, keyword TEXT NOT NULL, added_at TEXT NOT NULL,
    PRIMARY KEY (member, keyword_key)
);
CREATE TABLE IF NOT EXISTS feed_reading (
    owner_kind TEXT NOT NULL CHECK (owner_kind IN ('member', 'channel')), owner TEXT NOT NULL,
    paper_id TEXT NOT NULL, added_by TEXT NOT NULL DEFAULT '', added_at TEXT NOT NULL, done_at TEXT,
    PRIMARY KEY (owner_kind, owner, paper_id)
);
CREATE TABLE IF NOT EXISTS feed_digest (
    member TEXT PRIMARY KEY, enabled INTEGER NOT NULL, updated_at TEXT NOT NULL
);
"""

# Every column is TEXT or a small INTEGER, so the same statements serve PostgreSQL unchanged.
SCHEMA_POSTGRES = SCHEMA
