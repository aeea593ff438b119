"""Where papers come from: arXiv by topic, and imported lists (JSONL, Markdown tables, arXiv snapshots).

Every source yields ``(line_or_position, Paper | BadLine)`` so bad records are counted and
reported, never silently dropped and never fatal to the batch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from index.models import BadLine, Paper

Record = tuple[int, Paper | BadLine]


class PaperSource(Protocol):
    """Anything that streams papers."""

    name: str

    def records(self) -> Iterator[Record]:
        """Yield (position, Paper) for good records and (position, BadLine) for bad ones."""
        ...
