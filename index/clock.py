"""Times of day and time zones as users write them (08:30, Asia/Shanghai), checked once with messages fit
for users: what digest subscriptions store and the schedule reads."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from index.errors import ConfigError


def parse_time(text: str) -> time:
    """A time of day from HH:MM."""
    try:
        h, m = text.strip().split(":")
        return time(int(h), int(m))
    except ValueError as e:
        raise ConfigError(f"{text!r} is not a time of day: use HH:MM, e.g. 08:30.") from e


def zone(name: str) -> ZoneInfo:
    """An IANA time zone by name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ConfigError(
            f"Unknown time zone {name!r}: use an IANA name such as Asia/Shanghai or Europe/Berlin."
        ) from e
