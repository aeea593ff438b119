"""Bringing a store written by an older version up to the current schema when it opens: the columns added since
(each added once, by whichever process opens it first) and the venues an earlier version kept in comments."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from index.venue import split_recorded

log = logging.getLogger(__name__)

# Columns added after stores were first written: (table, column, SQL type). Each store adds the ones an older
# database lacks when it opens it, so a store written before the column reads back with it empty (a paper
# filed under a topic before 'added' was kept counts as added at no known time: never "new").
ADDED_COLUMNS = (("papers", "venue", "TEXT"), ("paper_topics", "added", "TEXT"))
# Digests look up what was filed in a time window: created here, once the column exists in every store.
ADDED_INDEX = "CREATE INDEX IF NOT EXISTS paper_topics_added ON paper_topics(added)"
# Rows written while the venue was carried in the comment ('Venue: CVPR 2024 | 8 pages'), to move.
LEGACY_VENUE_ROWS = "SELECT rowid, comment FROM papers WHERE venue IS NULL AND comment LIKE 'Venue: %'"


def legacy_venue_updates(rows: Iterable[tuple[Any, ...]]) -> list[tuple[str, str | None, Any]]:
    """(venue, comment, rowid) for each (rowid, comment) row whose comment starts with 'Venue: X'."""
    out = []
    for rowid, comment in rows:
        venue, rest = split_recorded(comment)
        if venue:
            out.append((venue, rest, rowid))
    return out


MOVE_LEGACY_VENUE = "UPDATE papers SET venue=?, comment=? WHERE rowid=?"


def sqlite_add_columns(db: sqlite3.Connection, path: Path, move_venues: Callable[[], None]) -> None:
    """Add the ADDED_COLUMNS an SQLite store lacks; after adding ``venue``, ``move_venues()`` moves the
    venues kept in comments (in its own transaction, which the store opens)."""
    for table, column, kind in ADDED_COLUMNS:
        if column in {r[1] for r in db.execute(f"PRAGMA table_info({table})")}:
            continue
        try:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            log.info("added column %s.%s to %s", table, column, path)
        except sqlite3.OperationalError as e:  # another process opening the same store added it first
            if "duplicate column" not in str(e):
                raise
        if column == "venue":
            move_venues()
    db.execute(ADDED_INDEX)


def postgres_add_columns(db: Any) -> None:
    """Add the ADDED_COLUMNS a PostgreSQL store lacks and move its comment venues (``db``: a psycopg
    connection inside the schema transaction, holding the schema lock)."""
    have = set(
        db.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()"
        ).fetchall()
    )
    for table, column, kind in ADDED_COLUMNS:
        if (table, column) in have:
            continue
        db.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
        if column == "venue":
            moves = legacy_venue_updates(db.execute(LEGACY_VENUE_ROWS).fetchall())
            with db.cursor() as cur:
                cur.executemany(MOVE_LEGACY_VENUE.replace("?", "%s"), moves)
    db.execute(ADDED_INDEX)
