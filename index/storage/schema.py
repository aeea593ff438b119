"""The papers schema (SQLite dialect; the PostgreSQL store translates it) and the SQL both stores share."""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS papers (
    rowid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    authors TEXT NOT NULL,
    abstract TEXT NOT NULL,
    categories TEXT NOT NULL,
    primary_category TEXT,
    published TEXT,
    updated TEXT,
    comment TEXT,
    links TEXT NOT NULL,
    abstract_zh TEXT,
    source TEXT NOT NULL,
    text_hash TEXT NOT NULL,
    vector BLOB,
    mvector BLOB,
    venue TEXT
);
CREATE INDEX IF NOT EXISTS papers_published ON papers(published);
CREATE INDEX IF NOT EXISTS papers_title ON papers(lower(title));
CREATE TABLE IF NOT EXISTS paper_topics (
    paper_rowid INTEGER NOT NULL REFERENCES papers(rowid) ON DELETE CASCADE,
    topic TEXT NOT NULL,
    added TEXT,
    PRIMARY KEY (paper_rowid, topic)
);
CREATE TABLE IF NOT EXISTS topic_state (
    topic TEXT PRIMARY KEY,
    last_published TEXT,
    last_run TEXT,
    seen INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS summaries (
    paper_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    lang TEXT NOT NULL,
    provider TEXT NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (paper_id, version, lang, provider)
);
"""

LATEST_PUBLISHED = (
    "SELECT MAX(p.published) FROM papers p JOIN paper_topics t ON t.paper_rowid = p.rowid "
    "WHERE lower(t.topic) = lower(?)"
)
COLUMNS = (
    "rowid, id, version, title, authors, abstract, categories, primary_category, published, updated, "
    "comment, links, abstract_zh, source, venue"
)
# When a paper was filed under a topic: UTC, ISO 8601 to the second, so the text sorts as the time does.
TOPIC_ADDED = "INSERT INTO paper_topics(paper_rowid, topic, added) VALUES (?, ?, ?)"


# Replace a paper's row in place (same rowid, so the same vector id). A vector argument of NULL keeps the
# stored vector only while the text it was computed from is unchanged.
UPDATE_PAPER = (
    "UPDATE papers SET version=?, title=?, authors=?, abstract=?, categories=?, primary_category=?, published=?, "
    "updated=?, comment=?, links=?, abstract_zh=?, source=?, venue=?, text_hash=?, "
    "vector=COALESCE(?, CASE WHEN text_hash=? THEN vector END), "
    "mvector=COALESCE(?, CASE WHEN text_hash=? THEN mvector END) WHERE rowid=?"
)
