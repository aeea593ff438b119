"""When digests are due: arXiv's announcement calendar and per-subscription local times.

arXiv announces new papers Sunday to Thursday at 20:00 US Eastern, so a research group's morning
digest has new papers Monday to Friday, and none on Saturdays, Sundays and arXiv holidays. A digest
date is the subscriber's local date of the scheduled post.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from importlib import resources

from index.clock import zone


def bundled_holidays() -> set[date]:
    """Days without an arXiv announcement, from index/data/arxiv_holidays.txt (one ISO date a line)."""
    text = resources.files("index").joinpath("data/arxiv_holidays.txt").read_text(encoding="utf-8")
    return {
        date.fromisoformat(line.split("#")[0].strip())
        for line in text.splitlines()
        if line.split("#")[0].strip()
    }


class ArxivCalendar:
    """Which digest dates have new arXiv announcements."""

    def __init__(self, holidays: Iterable[date] | None = None) -> None:
        self.holidays = set(bundled_holidays() if holidays is None else holidays)

    def has_announcement(self, day: date) -> bool:
        """True for Monday-Friday digest dates that are not arXiv holidays."""
        return day.weekday() < 5 and day not in self.holidays

    def reason(self, day: date) -> str:
        if day.weekday() >= 5:
            return "arXiv makes no announcements on weekends"
        if day in self.holidays:
            return "arXiv makes no announcement today (holiday)"
        return ""


def scheduled_at(day: date, at: time, tz: str) -> datetime:
    """The aware instant of a local date and time (DST-safe)."""
    return datetime.combine(day, at, tzinfo=zone(tz))


def latest_occurrence(now: datetime, at: time, tz: str, not_before: datetime | None = None) -> date | None:
    """The local date of the most recent scheduled time at or before ``now`` (None if before ``not_before``).

    Only the latest occurrence counts: a bot that was down for days catches up once, not once per day.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(zone(tz))
    day = local.date()
    if scheduled_at(day, at, tz) > now:
        day -= timedelta(days=1)
    if not_before is not None and scheduled_at(day, at, tz) < not_before:
        return None
    return day
