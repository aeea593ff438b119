"""`paperlens` feed commands: like, dislike, unvote, follow, unfollow, mute, unmute, feed, read, seed, unseed,
recap, prefs. A member is "cli:<name>" (--member NAME); a channel's lists use --channel, as the bot's do.

``register(subparsers)`` adds the commands; ``COMMANDS`` maps each to its function for cli.main's dispatch.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from cli.text import authors_line, emit
from index.errors import InvalidQueryError
from index.feed import Feed, FeedItem, Recap, recap
from index.feed.seed_files import match_seeds, parse_seed_file
from index.feed.store import OwnerKind
from index.paperindex import PaperIndex
from index.text import terminal_text
from index.topics import Topic, find_topic, load_topics


def member(a: argparse.Namespace) -> str:
    name = " ".join((a.member or "").split())
    if not name:
        raise InvalidQueryError("Say who you are: --member NAME.")
    return f"cli:{name}"


def _out(text: str) -> None:
    print(terminal_text(text))


def card(n: int, topic: str, item: FeedItem) -> str:
    """One feed card as text: title, authors, date, topic, id, and why it is there."""
    p = item.paper
    return (
        f"{n:>2}. {p.title}\n    {authors_line(p, 4)} · {p.published_label} · {topic} · {p.id}\n"
        f"    why: {item.reason.text}"
    )


def card_json(topic: str, item: FeedItem) -> dict[str, Any]:
    return {
        "id": item.paper.id,
        "title": item.paper.title,
        "topic": topic,
        "score": item.score,
        "url": item.paper.url,
        "reason": item.reason.model_dump(exclude={"contributions"}),
    }


def recap_text(r: Recap, titles: dict[str, str]) -> str:
    """The weekly recap as text: themes with their synthesis citing [n], most-👍 papers, sources, reading list."""
    n = sum(len(g.paper_ids) for g in r.groups)
    lines = [f"Weekly recap: {r.topic}, {r.start} – {r.end} ({n} papers in {len(r.groups)} themes)"]
    for g in r.groups:
        lines += ["", f"## {g.label} ({len(g.paper_ids)} papers)", g.synthesis or "(no sentence to quote)"]
        if g.top_liked:
            lines.append("Most 👍: " + "; ".join(f"{titles.get(p, p)} ({v})" for p, v in g.top_liked))
    if r.citations:
        lines += ["", "Sources:"] + [
            f"[{k}] {titles.get(p, p)} ({p})" for k, p in sorted(r.citations.items())
        ]
    if r.reading:
        lines += ["", "Reading list:"] + [f"- {titles.get(p, p)} ({p})" for p in r.reading]
    return "\n".join(lines)


def _topics(ix: PaperIndex) -> list[Topic]:
    return load_topics(ix.settings.topics_file)


def _titles(ix: PaperIndex, ids: list[str]) -> dict[str, str]:
    return {pid: got[1].title for pid in ids if (got := ix.get(pid)) is not None}


# ----- commands -----
def cmd_vote(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed = Feed(ix)
    if a.command == "unvote":
        removed = feed.unvote(member(a), a.paper)
        _out("Vote removed." if removed else "You had no vote on that paper.")
        return 0
    value = 1 if a.command == "like" else -1
    p = feed.vote(member(a), a.paper, value, channel=a.channel or "", topic=a.topic or "")
    _out(
        f"{'👍' if value > 0 else '👎'} {p.title} ({p.id}); undo: paperlens unvote {p.id} --member {a.member}"
    )
    return 0


def cmd_follow(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed, who = Feed(ix), member(a)
    done = {"follow": feed.follow, "unfollow": feed.unfollow, "mute": feed.mute, "unmute": feed.unmute}[
        a.command
    ](who, a.what)
    if a.command in ("follow", "mute"):
        undo = "unfollow" if a.command == "follow" else "unmute"
        _out(
            (f"{a.command.capitalize()}ed {a.what!r}; undo: paperlens {undo} {a.what!r} --member {a.member}")
            if done
            else f"Already {a.command}ed."
        )
    else:
        _out("Done." if done else f"Nothing to {a.command}: see paperlens prefs --member {a.member}.")
    return 0


def cmd_feed(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed, who, topics = Feed(ix), member(a), _topics(ix)
    chosen = [find_topic(topics, a.topic)] if a.topic else feed.followed_topics(who, topics)
    items = feed.member_feed(who, chosen, k=a.k, since=a.since, until=a.until, channel=a.channel)
    if a.json:
        emit([card_json(t, it) for t, it in items])
        return 0
    if not items:
        _out("No papers to show: your topics have no papers you have not voted on.")
    _out("\n".join(card(i, t, it) for i, (t, it) in enumerate(items, start=1)))
    return 0


def _reading_owner(a: argparse.Namespace) -> tuple[OwnerKind, str]:
    if a.channel:
        return "channel", a.channel
    return "member", member(a)


def cmd_read(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed = Feed(ix)
    kind, owner = _reading_owner(a)
    if a.action in ("add", "done") and not a.paper:
        raise InvalidQueryError(f"Name the paper: paperlens read {a.action} PAPER.")
    if a.action == "add":
        p = feed.add_reading(kind, owner, a.paper, added_by=owner)
        _out(f"Added {p.title} ({p.id}) to the reading list.")
    elif a.action == "done":
        p = ix.resolve(a.paper)
        if not feed.mark_done(kind, owner, p):
            raise InvalidQueryError(f"{p.title!r} is not on the reading list; see `paperlens read list`.")
        _out(f"Marked {p.title} ({p.id}) as read.")
    else:
        papers = feed.reading(kind, owner, include_done=a.all)
        if a.json:
            emit([{"id": p.id, "title": p.title, "url": p.url} for p in papers])
        else:
            _out("\n".join(f"- {p.title} ({p.id})" for p in papers) or "Nothing to read.")
    return 0


def cmd_seed(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed, topic = Feed(ix), find_topic(_topics(ix), a.topic)
    if a.command == "unseed":
        removed = [feed.unseed(topic, ref, channel=a.channel or "") for ref in a.papers]
        _out(f"Removed {sum(removed)} of {len(removed)} seed(s).")
        return 0
    refs = list(a.papers)
    missing: list[str] = []
    if a.file:
        path = Path(a.file)
        found, missing = match_seeds(ix, parse_seed_file(path.read_bytes(), path.name))
        refs += [p.id for p in found]
    if not refs:
        raise InvalidQueryError("Give seed papers (ids, URLs or titles) or --file with a BibTeX or RIS file.")
    added = [feed.seed(topic, ref, channel=a.channel or "", added_by=a.member or "") for ref in refs]
    _out(
        f"Seeded {topic.name} with {len(added)} paper(s):\n"
        + "\n".join(f"- {p.title} ({p.id})" for p in added)
    )
    if missing:
        _out(f"Not held here ({len(missing)}):\n" + "\n".join(f"- {m}" for m in missing))
    return 0


def cmd_recap(ix: PaperIndex, a: argparse.Namespace) -> int:
    topic = find_topic(_topics(ix), a.topic)
    end = a.end or ix.latest_published(topic.name) or date.today()
    r = recap(Feed(ix), topic, end, channel=a.channel)
    if a.json:
        emit(r.model_dump(mode="json"))
        return 0
    ids = list(r.citations.values()) + r.reading + [p for g in r.groups for p, _ in g.top_liked]
    _out(recap_text(r, _titles(ix, ids)))
    return 0


def cmd_prefs(ix: PaperIndex, a: argparse.Namespace) -> int:
    feed, who = Feed(ix), member(a)
    if a.forget:
        _out(f"Forgotten: {feed.forget(who)} votes and preferences removed.")
        return 0
    prefs = feed.preferences(who)
    if a.json:
        emit(prefs)
        return 0
    titles = _titles(ix, [p for p, _ in prefs["votes"]] + prefs["reading"])
    m = a.member
    lines = [f"Votes ({len(prefs['votes'])}):"]
    lines += [
        f"  {'👍' if v > 0 else '👎'} {titles.get(p, p)} ({p})  undo: paperlens unvote {p} --member {m!r}"
        for p, v in prefs["votes"]
    ]
    lines += [f"Followed authors ({len(prefs['follows'])}):"]
    lines += [f"  {x}  undo: paperlens unfollow {x!r} --member {m!r}" for x in prefs["follows"]]
    lines += [f"Muted keywords ({len(prefs['mutes'])}):"]
    lines += [f"  {x}  undo: paperlens unmute {x!r} --member {m!r}" for x in prefs["mutes"]]
    lines += [f"Reading list ({len(prefs['reading'])}):"]
    lines += [
        f"  {titles.get(p, p)} ({p})  undo: paperlens read done {p} --member {m!r}" for p in prefs["reading"]
    ]
    lines += [
        f"Personal digest: {'on' if prefs['digest'] else 'off'}",
        f"Remove everything: paperlens prefs --forget --member {m!r}",
    ]
    _out("\n".join(lines))
    return 0


COMMANDS: dict[str, Callable[[PaperIndex, argparse.Namespace], int]] = {
    "like": cmd_vote,
    "dislike": cmd_vote,
    "unvote": cmd_vote,
    "follow": cmd_follow,
    "unfollow": cmd_follow,
    "mute": cmd_follow,
    "unmute": cmd_follow,
    "feed": cmd_feed,
    "read": cmd_read,
    "seed": cmd_seed,
    "unseed": cmd_seed,
    "recap": cmd_recap,
    "prefs": cmd_prefs,
}


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write YYYY-MM-DD") from e


def _k(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 50:
        raise argparse.ArgumentTypeError(f"-k must be a whole number from 1 to 50, not {text!r}")
    return int(text)


def register(sub: Any) -> None:
    """Add the feed commands to `paperlens`'s subparsers."""

    def who(p: argparse.ArgumentParser, required: bool = True) -> None:
        p.add_argument("--member", required=required, help="your name (the feed keeps one taste per member)")

    for name, help_ in (
        ("like", "👍 a paper: your feed ranks papers like it higher"),
        ("dislike", "👎 a paper: your feed ranks papers like it lower"),
        ("unvote", "remove your vote on a paper"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("paper", help="arXiv id, URL or title")
        who(p)
        p.add_argument("--channel", help="where the vote was cast (a channel's taste sums its members')")
        p.add_argument("--topic", help="the topic it counts in (default: the paper's own)")
    for name, what, help_ in (
        ("follow", "author", "put an author's papers at the top of your feed"),
        ("unfollow", "author", "stop following an author"),
        ("mute", "keyword", "hide papers holding a keyword or phrase from your feed"),
        ("unmute", "keyword", "show papers with a muted keyword again"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("what", metavar=what.upper(), help=f"the {what}")
        who(p)
    p = sub.add_parser("feed", help="your ranked papers, each with why it is there")
    p.add_argument("topic", nargs="?", help="one topic (default: the topics you vote in)")
    who(p)
    p.add_argument("-k", type=_k, default=10, help="how many papers (1-50, default 10)")
    p.add_argument("--channel", help="also rank by this channel's seed papers")
    p.add_argument("--since", type=_day, help="published on or after YYYY-MM-DD")
    p.add_argument("--until", type=_day, help="published on or before YYYY-MM-DD")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("read", help="reading lists: add, list, done (yours, or a channel's with --channel)")
    p.add_argument("action", choices=["add", "list", "done"])
    p.add_argument("paper", nargs="?", help="arXiv id, URL or title (add, done)")
    who(p, required=False)
    p.add_argument("--channel", help="a channel's list instead of your own")
    p.add_argument("--all", action="store_true", help="list read papers too")
    p.add_argument("--json", action="store_true")
    for name, help_ in (
        ("seed", "seed papers that define a topic"),
        ("unseed", "remove seed papers of a topic"),
    ):
        p = sub.add_parser(name, help=help_)
        p.add_argument("topic", help="a configured topic")
        p.add_argument("papers", nargs="*", help="arXiv ids, URLs or titles")
        if name == "seed":
            p.add_argument("--file", help="a BibTeX (.bib) or RIS (.ris) file of papers")
        p.add_argument("--channel", help="seeds of one channel (default: the topic everywhere)")
        who(p, required=False)
    p = sub.add_parser("recap", help="a topic's week: themes with a cited synthesis, most-👍, reading list")
    p.add_argument("topic", help="a configured topic")
    p.add_argument("--end", type=_day, help="the week's last day (default: the topic's latest paper)")
    p.add_argument("--channel", help="the channel whose votes and reading list to show")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("prefs", help="everything the feed keeps about you, with how to undo each")
    who(p)
    p.add_argument("--forget", action="store_true", help="remove all of it")
    p.add_argument("--json", action="store_true")
