"""Fetch a topic's new papers from arXiv into the index (shared by `paperlens ingest` and the bot)."""

from __future__ import annotations

from datetime import date

from index.models import IngestReport
from index.paperindex import PaperIndex
from index.sources.arxiv_source import ArxivSource
from index.topics import Topic
from index.writer import Progress


def ingest_topic(
    index: PaperIndex, topic: Topic, since: date | None = None, progress: Progress | None = None
) -> IngestReport:
    """Incremental: without ``since``, only papers from the newest date already seen for the topic on."""
    s = index.settings
    src = ArxivSource(
        topic,
        url_format=s.arxiv_url,
        page_size=s.arxiv_page_size,
        delay_seconds=s.arxiv_delay_seconds,
        max_results=s.arxiv_max_results,
        retries=s.arxiv_retries,
        backoff_seconds=s.arxiv_backoff_seconds,
        since=since or index.topic_state(topic.name),
    )
    report = index.ingest(src.records(), src.name, progress)
    index.set_topic_state(topic.name, src.newest, report.seen)
    return report
