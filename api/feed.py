"""The feed over HTTP: votes, the ranked feed with reasons, follows, mutes, seed papers, reading lists,
preferences, the personal-digest opt-in and the weekly recap. Every route needs the API key when one is set
(X-API-Key), since it reads or changes what members told the feed. ``member`` is the member's key as the
front end names it ("discord:<id>", "cli:<name>", or any name a web client uses)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query
from pydantic import BaseModel, Field

from api.config import ApiSettings
from api.guard import MAX_REF_CHARS, key_ok
from index.errors import InvalidQueryError
from index.feed import Feed, Reason, Recap, recap
from index.paperindex import PaperIndex
from index.topics import Topic, find_topic

Member = Annotated[str, Field(min_length=1, max_length=200, description="the member's key")]
Ref = Annotated[str, Field(min_length=1, max_length=MAX_REF_CHARS, description="arXiv id, URL or title")]
MemberQ = Annotated[str, Query(min_length=1, max_length=200, description="the member's key")]
RefQ = Annotated[str, Query(min_length=1, max_length=MAX_REF_CHARS, description="arXiv id, URL or title")]
ChannelQ = Annotated[str | None, Query(max_length=200, description="a channel's key")]


class VoteIn(BaseModel):
    member: Member
    paper: Ref
    value: Literal[-1, 0, 1] = Field(description="1 👍, -1 👎, 0 clears the vote")
    channel: str = Field(
        "", max_length=200, description="where it was cast (a channel's taste sums its votes)"
    )
    topic: str = Field("", max_length=200, description="the topic it counts in (default: the paper's own)")


class FollowIn(BaseModel):
    member: Member
    author: str = Field(min_length=1, max_length=200)


class MuteIn(BaseModel):
    member: Member
    keyword: str = Field(min_length=1, max_length=100)


class SeedIn(BaseModel):
    topic: str = Field(min_length=1, max_length=200)
    paper: Ref
    channel: str = Field("", max_length=200, description="one channel's seed (default: the topic everywhere)")
    added_by: str = Field("", max_length=200)


class ReadingIn(BaseModel):
    member: str | None = Field(None, max_length=200, description="a member's own list ...")
    channel: str | None = Field(None, max_length=200, description="... or a channel's")
    paper: Ref
    done: bool = Field(False, description="mark it read (true) instead of adding it")


class DigestIn(BaseModel):
    member: Member
    enabled: bool


class Changed(BaseModel):
    changed: bool = Field(description="false when it already was so (or there was nothing to remove)")


class VoteOut(BaseModel):
    paper: str
    title: str
    value: int


class Card(BaseModel):
    id: str
    title: str
    topic: str
    score: float
    url: str | None
    authors: list[str]
    published: date | None
    reason: Reason


class ReadingItem(BaseModel):
    id: str
    title: str
    url: str | None


class Prefs(BaseModel):
    votes: list[tuple[str, int]]
    follows: list[str]
    mutes: list[str]
    reading: list[str]
    digest: bool


def _owner(member: str | None, channel: str | None) -> tuple[Literal["member", "channel"], str]:
    if bool(member) == bool(channel):
        raise InvalidQueryError("Give exactly one of member (a member's list) or channel (a channel's list).")
    return ("member", member) if member else ("channel", channel)  # type: ignore[return-value]


def _checked(fn: Any, *args: Any) -> bool:
    """A store call whose ValueError (an empty name) is the user's mistake: 400 with its message."""
    try:
        return bool(fn(*args))
    except ValueError as e:
        raise InvalidQueryError(str(e)) from e


def feed_router(index: PaperIndex, topics: list[Topic], settings: ApiSettings) -> APIRouter:
    """The /feed routes over one index (one Feed, made here)."""
    feed = Feed(index)

    def check_key(x_api_key: Annotated[str | None, Header()] = None) -> None:
        if not key_ok(settings.api_key, (x_api_key or "").encode("utf-8", "surrogateescape")):
            raise HTTPException(401, "the feed needs a valid X-API-Key header")

    errors: dict[int | str, dict[str, Any]] = {
        c: {"description": d}
        for c, d in (
            (400, "a mistake in the request"),
            (401, "no or a wrong API key"),
            (404, "no such paper"),
        )
    }
    r = APIRouter(prefix="/feed", tags=["feed"], dependencies=[Depends(check_key)], responses=errors)

    @r.post("/votes", response_model=VoteOut)
    def vote(body: VoteIn) -> VoteOut:
        """Record a member's 👍 (1) or 👎 (-1) on a paper, or clear it (0); the newest vote wins."""
        p = feed.vote(body.member, body.paper, body.value, channel=body.channel, topic=body.topic)
        return VoteOut(paper=p.id, title=p.title, value=body.value)

    @r.delete("/votes", response_model=Changed)
    def unvote(member: MemberQ, paper: RefQ) -> Changed:
        """Remove a member's vote on a paper."""
        return Changed(changed=feed.unvote(member, paper))

    @r.get("", response_model=list[Card])
    def ranked(
        member: Annotated[str | None, Query(max_length=200)] = None,
        channel: ChannelQ = None,
        topic: Annotated[
            str | None, Query(max_length=200, description="default: the member's topics")
        ] = None,
        k: int = Query(10, ge=1, le=settings.max_k, description=f"papers, 1 to {settings.max_k}"),
        since: date | None = None,
        until: date | None = None,
    ) -> list[Card]:
        """A member's ranked papers (with a channel: its seed papers count too), or without a member a channel's,
        each with the reason it is there."""
        if not member and not channel:
            raise InvalidQueryError("Give member (a member's feed) or channel (a channel's feed).")
        chosen = [find_topic(topics, topic)] if topic else None
        if member:
            items = feed.member_feed(
                member,
                chosen or feed.followed_topics(member, topics),
                k=k,
                since=since,
                until=until,
                channel=channel,
            )
        else:
            if not chosen:
                raise InvalidQueryError("A channel's feed needs a topic.")
            items = [
                (chosen[0].name, it)
                for it in feed.rank(chosen[0], channel=channel, k=k, since=since, until=until)
            ]
        return [
            Card(
                id=it.paper.id,
                title=it.paper.title,
                topic=t,
                score=it.score,
                url=it.paper.url,
                authors=list(it.paper.authors),
                published=it.paper.published,
                reason=it.reason,
            )
            for t, it in items
        ]

    @r.put("/follows", response_model=Changed)
    def follow(body: FollowIn) -> Changed:
        """Follow an author (any spelling of the name)."""
        return Changed(changed=_checked(feed.follow, body.member, body.author))

    @r.delete("/follows", response_model=Changed)
    def unfollow(member: MemberQ, author: Annotated[str, Query(min_length=1, max_length=200)]) -> Changed:
        return Changed(changed=feed.unfollow(member, author))

    @r.put("/mutes", response_model=Changed)
    def mute(body: MuteIn) -> Changed:
        """Hide papers holding a keyword or phrase from the member's feed."""
        return Changed(changed=_checked(feed.mute, body.member, body.keyword))

    @r.delete("/mutes", response_model=Changed)
    def unmute(member: MemberQ, keyword: Annotated[str, Query(min_length=1, max_length=100)]) -> Changed:
        return Changed(changed=feed.unmute(member, keyword))

    @r.put("/seeds", response_model=VoteOut)
    def seed(body: SeedIn) -> VoteOut:
        """Make a paper a seed example of a topic (for one channel, or everywhere)."""
        p = feed.seed(
            find_topic(topics, body.topic), body.paper, channel=body.channel, added_by=body.added_by
        )
        return VoteOut(paper=p.id, title=p.title, value=1)

    @r.delete("/seeds", response_model=Changed)
    def unseed(
        topic: Annotated[str, Query(min_length=1, max_length=200)],
        paper: RefQ,
        channel: Annotated[str, Query(max_length=200)] = "",
    ) -> Changed:
        return Changed(changed=feed.unseed(find_topic(topics, topic), paper, channel=channel))

    @r.get("/reading", response_model=list[ReadingItem])
    def reading(
        member: Annotated[str | None, Query(max_length=200)] = None,
        channel: ChannelQ = None,
        include_done: bool = False,
    ) -> list[ReadingItem]:
        """A member's or a channel's reading list, oldest first."""
        kind, owner = _owner(member, channel)
        return [
            ReadingItem(id=p.id, title=p.title, url=p.url)
            for p in feed.reading(kind, owner, include_done=include_done)
        ]

    @r.put("/reading", response_model=Changed)
    def add_reading(body: ReadingIn) -> Changed:
        """Add a paper to a reading list, or mark it read (``done``)."""
        kind, owner = _owner(body.member, body.channel)
        if body.done:
            p = index.resolve(body.paper)
            if not feed.mark_done(kind, owner, p):
                raise InvalidQueryError(f"{p.title!r} is not on that reading list.")
            return Changed(changed=True)
        feed.add_reading(kind, owner, body.paper, added_by=body.member or "")
        return Changed(changed=True)

    @r.delete("/reading", response_model=Changed)
    def remove_reading(
        paper: RefQ, member: Annotated[str | None, Query(max_length=200)] = None, channel: ChannelQ = None
    ) -> Changed:
        kind, owner = _owner(member, channel)
        return Changed(changed=feed.remove_reading(kind, owner, paper))

    @r.put("/digest", response_model=Changed)
    def digest(body: DigestIn) -> Changed:
        """Opt a member in to (or out of) the personal digest."""
        feed.set_digest(body.member, body.enabled)
        return Changed(changed=True)

    @r.get("/prefs", response_model=Prefs)
    def prefs(member: MemberQ) -> Prefs:
        """Everything the feed keeps about a member (each undone by the matching DELETE)."""
        return Prefs(**feed.preferences(member))

    @r.delete("/prefs", response_model=Changed)
    def forget(member: MemberQ) -> Changed:
        """Remove every vote and preference of a member."""
        return Changed(changed=feed.forget(member) > 0)

    @r.get("/recap", response_model=Recap)
    def weekly(
        topic: Annotated[str, Query(min_length=1, max_length=200)],
        end: date | None = None,
        channel: ChannelQ = None,
    ) -> Recap:
        """A topic's week ending on ``end`` (default: its latest paper): themes with an extractive synthesis
        citing [n] papers, the most-👍 papers, and the channel's reading list."""
        t = find_topic(topics, topic)
        return recap(feed, t, end or index.latest_published(t.name) or date.today(), channel=channel)

    return r
