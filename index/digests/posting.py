"""What the digest runner asks of a front end that posts (the bot's Discord poster, a test's fake one):
the messages, the Poster protocol, and the two failures that are not worth retrying."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from index.models import Digest, DigestEntry


class ChannelGone(Exception):
    """The channel no longer exists or the bot may no longer post there."""


class MessageRejected(Exception):
    """Discord refused this one message for good (a 4xx such as 400 Invalid Form Body): sending the same
    message again would be refused again, so it is skipped (an entry) or the run fails (its header)."""


@dataclass(frozen=True)
class Outgoing:
    """One message to post."""

    kind: Literal["header", "entry", "note"]
    marker: str
    digest: Digest | None = None
    entry: DigestEntry | None = None
    position: int = 0
    thread_of: int | None = None  # post inside the thread under this message
    text: str = ""


class Poster(Protocol):
    def send(self, channel_id: int, message: Outgoing) -> int:
        """Post and return the message id; raise ChannelGone when the channel is unusable and
        MessageRejected when Discord refuses this message itself."""
        ...

    def sent_markers(self, channel_id: int, thread_of: int | None = None) -> dict[str, int]:
        """Marker -> message id of the bot's recent messages in the channel (and in the thread under one)."""
        ...

    def notify(self, user_id: int | None, text: str) -> None:
        """Tell a person something (a direct message); best effort."""
        ...
