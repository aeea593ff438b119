"""Store methods whose SQL is the same on SQLite and PostgreSQL (``?`` placeholders; the PostgreSQL store
translates them): topic ingest state, the summary cache, and a few reads."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any

from index.ids import doi_of_urls
from index.storage.rows import parse_date
from index.storage.schema import LATEST_PUBLISHED

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class PortableQueries(ABC):
    """Mixed into both stores; each supplies ``query``, ``transaction`` and its dialect's GREATEST."""

    greatest = "MAX"  # PostgreSQL: GREATEST

    @abstractmethod
    def query(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Any]: ...

    def latest_published(self, topic: str) -> date | None:
        """The most recent publication date among a topic's papers."""
        rows = self.query(LATEST_PUBLISHED, (topic,))
        return parse_date(rows[0][0]) if rows and rows[0][0] else None

    def id_counts(self) -> dict[str, int]:
        """Number of rows per paper id (any value above 1 is a duplicate; the schema forbids it)."""
        return {r[0]: int(r[1]) for r in self.query("SELECT id, COUNT(*) FROM papers GROUP BY id")}

    def by_titles(self, titles: Sequence[str]) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Title key -> [(id, authors)] of the papers held under these titles (``titles`` given as
        index.dedupe.title_key gives them: ASCII letters lower-cased, spacing folded; results keyed the same).

        Each title is looked up as SQLite's lower() and PostgreSQL's (which also lowers other letters) see it,
        and the key of a stored title is made here, so 'Über ...' matches on both backends."""
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        wanted = set(titles)
        keys = list(dict.fromkeys(k for t in titles for k in (t, t.lower())))
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            marks = ",".join("?" * len(chunk))
            for pid, title, authors in self.query(
                f"SELECT id, title, authors FROM papers WHERE lower(title) IN ({marks})", chunk
            ):
                key = " ".join(str(title).split()).translate(_ASCII_LOWER)
                if key in wanted and pid not in {p for p, _ in out.get(key, [])}:
                    out.setdefault(key, []).append((pid, tuple(json.loads(authors))))
        return out

    def same_titles(self) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
        """Lower-cased title -> [(id, authors)] of every title held by more than one paper (oldest first)."""
        out: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        for title, pid, authors in self.query(
            "SELECT lower(title), id, authors FROM papers WHERE lower(title) IN "
            "(SELECT lower(title) FROM papers GROUP BY lower(title) HAVING COUNT(*) > 1) ORDER BY rowid"
        ):
            out.setdefault(str(title), []).append((pid, tuple(json.loads(authors))))
        return out

    def by_dois(self, dois: Sequence[str]) -> dict[str, list[str]]:
        """Lower-cased DOI -> ids of held papers with a doi.org link to it (a scan: imports carry few)."""
        out: dict[str, list[str]] = {}
        wanted = list(dict.fromkeys(d.lower() for d in dois))
        for i in range(0, len(wanted), 50):
            chunk = wanted[i : i + 50]
            esc = [d.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for d in chunk]
            where = " OR ".join(["lower(links) LIKE ? ESCAPE '\\'"] * len(chunk))
            for pid, links in self.query(
                f"SELECT id, links FROM papers WHERE {where}", [f"%doi.org/{e}%" for e in esc]
            ):
                urls = json.loads(links)
                doi = doi_of_urls([urls.get("abs"), urls.get("pdf"), *urls.get("other", [])])
                if doi in chunk:
                    out.setdefault(doi, []).append(pid)
        return out

    # ----- topics -----
    def topic_state(self, topic: str) -> date | None:
        """The newest publication date an ingest of this topic has seen."""
        rows = self.query("SELECT last_published FROM topic_state WHERE topic=?", (topic,))
        return parse_date(rows[0][0]) if rows and rows[0][0] else None

    def set_topic_state(self, topic: str, last_published: date | None, seen: int) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO topic_state(topic, last_published, last_run, seen) VALUES (?,?,?,?) "
                f"ON CONFLICT(topic) DO UPDATE SET last_published={self.greatest}("
                "COALESCE(topic_state.last_published, ''), COALESCE(excluded.last_published, '')), "
                "last_run=excluded.last_run, seen=topic_state.seen + excluded.seen",
                (
                    topic,
                    last_published.isoformat() if last_published else None,
                    datetime.now(UTC).isoformat(),
                    seen,
                ),
            )

    def topic_last_run(self, topic: str) -> datetime | None:
        """When this topic was last fetched from arXiv, or None if never."""
        rows = self.query("SELECT last_run FROM topic_state WHERE topic=?", (topic,))
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def added_to_topic(self, topic: str, start: datetime, end: datetime) -> list[int]:
        """Row ids of the papers filed under a topic (any case) at or after ``start`` and before ``end``
        (an import, a venue fetch or an arXiv ingest filed them then), oldest first."""
        rows = self.query(
            "SELECT paper_rowid FROM paper_topics WHERE lower(topic) = lower(?) AND added >= ? AND added < ? "
            "ORDER BY added, paper_rowid",
            (
                topic,
                start.astimezone(UTC).isoformat(timespec="seconds"),
                end.astimezone(UTC).isoformat(timespec="seconds"),
            ),
        )
        return [int(r[0]) for r in rows]

    def last_added(self, topic: str) -> datetime | None:
        """When a paper was last filed under the topic, or None (none since the store kept the time)."""
        rows = self.query("SELECT MAX(added) FROM paper_topics WHERE lower(topic) = lower(?)", (topic,))
        return datetime.fromisoformat(rows[0][0]) if rows and rows[0][0] else None

    def topic_counts(self) -> dict[str, int]:
        return {
            r[0]: int(r[1]) for r in self.query("SELECT topic, COUNT(*) FROM paper_topics GROUP BY topic")
        }

    # ----- summaries cache -----
    def get_summary(self, paper_id: str, version: int, lang: str, provider: str) -> str | None:
        rows = self.query(
            "SELECT body FROM summaries WHERE paper_id=? AND version=? AND lang=? AND provider=?",
            (paper_id, version, lang, provider),
        )
        return str(rows[0][0]) if rows else None

    def put_summary(self, paper_id: str, version: int, lang: str, provider: str, body: str) -> None:
        with self.transaction() as db:
            db.execute(
                "INSERT INTO summaries VALUES (?,?,?,?,?,?) ON CONFLICT (paper_id, version, lang, provider) "
                "DO UPDATE SET body=excluded.body, created=excluded.created",
                (paper_id, version, lang, provider, body, datetime.now(UTC).isoformat()),
            )
