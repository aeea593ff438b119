"""The digest tables: subscriptions, runs, per-paper intents and posted messages, feedback.

digest_feedback holds each member's vote on a paper; digest_reactions the 👍/👎 reactions a member has on
it right now, so that removing one reaction leaves the vote of the one that remains.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY,
    guild_id INTEGER, channel_id INTEGER NOT NULL, topic TEXT NOT NULL,
    at TEXT NOT NULL, tz TEXT NOT NULL, quiet INTEGER NOT NULL DEFAULT 0,
    enabled INTEGER NOT NULL DEFAULT 1, disabled_reason TEXT,
    created_by INTEGER, created_at TEXT NOT NULL,
    UNIQUE (channel_id, topic)
);
CREATE TABLE IF NOT EXISTS digest_runs (
    sub_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    run_date TEXT NOT NULL, state TEXT NOT NULL, total INTEGER NOT NULL DEFAULT 0,
    owner TEXT, lease_until TEXT,
    header_message_id INTEGER, started_at TEXT NOT NULL, finished_at TEXT,
    PRIMARY KEY (sub_id, run_date)
);
CREATE TABLE IF NOT EXISTS digest_entries (
    channel_id INTEGER NOT NULL, paper_id TEXT NOT NULL,
    sub_id INTEGER NOT NULL, run_date TEXT NOT NULL, position INTEGER NOT NULL,
    state TEXT NOT NULL, message_id INTEGER, sent_at TEXT,
    PRIMARY KEY (channel_id, paper_id)
);
CREATE INDEX IF NOT EXISTS digest_entries_message ON digest_entries(message_id);
CREATE TABLE IF NOT EXISTS digest_feedback (
    channel_id INTEGER NOT NULL, paper_id TEXT NOT NULL, user_id INTEGER NOT NULL, value INTEGER NOT NULL,
    PRIMARY KEY (channel_id, paper_id, user_id)
);
CREATE TABLE IF NOT EXISTS digest_reactions (
    channel_id INTEGER NOT NULL, paper_id TEXT NOT NULL, user_id INTEGER NOT NULL, value INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (channel_id, paper_id, user_id, value)
);
"""

# The same tables in PostgreSQL: 64-bit ids everywhere (Discord snowflakes), serial subscription ids.
SCHEMA_POSTGRES = SCHEMA.replace("id INTEGER PRIMARY KEY", "id BIGSERIAL PRIMARY KEY").replace(
    "INTEGER", "BIGINT"
)
