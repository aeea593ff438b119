"""FeedStore: every preference round-trips and can be undone; concurrent writers on one real SQLite file."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from index.config import IndexSettings
from index.feed.store import FeedStore, author_key
from index.storage import open_store
from index.storage.sqlite import SqliteStore


@pytest.fixture
def fs(tmp_path: Path) -> FeedStore:
    return FeedStore(SqliteStore(tmp_path / "data"))


T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_last_vote_wins_and_removing_it_leaves_no_vote(fs: FeedStore) -> None:
    fs.vote("discord:1", "2401.1", +1, channel="c1", topic="NeRF", now=T0)
    fs.vote("discord:1", "2401.1", -1, channel="c2", topic="NeRF", now=T0 + timedelta(minutes=1))
    votes = fs.votes("discord:1")
    assert [(v.paper_id, v.value, v.channel) for v in votes] == [("2401.1", -1, "c2")]
    assert fs.channel_votes("c1") == {}
    assert fs.channel_votes("c2") == {"2401.1": -1}
    assert fs.unvote("discord:1", "2401.1") is True
    assert fs.votes("discord:1") == []
    assert fs.unvote("discord:1", "2401.1") is False
    fs.vote("discord:1", "2401.1", +1)
    fs.vote("discord:1", "2401.1", 0)  # 0 clears, as removing the reaction does
    assert fs.votes("discord:1") == []


def test_channel_taste_is_its_members_net_votes(fs: FeedStore) -> None:
    fs.vote("a", "p1", +1, channel="c")
    fs.vote("b", "p1", +1, channel="c")
    fs.vote("c", "p1", -1, channel="c")
    fs.vote("a", "p2", -1, channel="c")
    fs.vote("a", "p3", +1, channel="elsewhere")
    assert fs.channel_votes("c") == {"p1": 1, "p2": -1}
    assert fs.paper_votes(["p1", "p2", "p3"], "c") == {"p1": 2}
    assert fs.paper_votes(["p1", "p2", "p3"]) == {"p1": 2, "p3": 1}


def test_seeds_per_topic_and_channel_listed_and_removed(fs: FeedStore) -> None:
    assert fs.add_seed("NeRF", "p1") is True
    assert fs.add_seed("nerf", "p1") is False  # topic names are case-insensitive
    fs.add_seed("NeRF", "p2", channel="c9", added_by="discord:1")
    assert fs.seeds("NeRF") == ["p1"]
    assert fs.seeds("NeRF", "c9") == ["p1", "p2"]
    assert fs.remove_seed("NeRF", "p2", channel="c9") is True
    assert fs.seeds("NeRF", "c9") == ["p1"]


def test_follows_match_any_spelling_of_a_name_and_unfollow(fs: FeedStore) -> None:
    assert author_key("Su, Hao") == author_key("Hao  Su") == author_key("hao su")
    assert fs.follow("m", "Hao Su") is True
    assert fs.follow("m", "Su, Hao") is False
    assert fs.follows("m") == {"hao su": "Hao Su"}
    assert fs.unfollow("m", "SU, HAO") is True
    assert fs.follows("m") == {}
    with pytest.raises(ValueError, match="needs a name"):
        fs.follow("m", " , ")


def test_mutes_listed_and_unmuted(fs: FeedStore) -> None:
    assert fs.mute("m", "Diffusion Models") is True
    assert fs.mute("m", "diffusion  models") is False
    assert fs.mutes("m") == {"diffusion models": "Diffusion Models"}
    assert fs.unmute("m", "DIFFUSION MODELS") is True
    assert fs.mutes("m") == {}


def test_reading_lists_add_done_undone_remove(fs: FeedStore) -> None:
    assert fs.add_reading("channel", "c1", "p1", added_by="a") is True
    assert fs.add_reading("member", "a", "p2") is True
    assert fs.add_reading("channel", "c1", "p1") is False  # already there, unread
    assert [e.paper_id for e in fs.reading("channel", "c1")] == ["p1"]
    assert fs.mark_done("channel", "c1", "p1") is True
    assert fs.reading("channel", "c1") == []
    done = fs.reading("channel", "c1", include_done=True)
    assert [e.paper_id for e in done] == ["p1"] and done[0].done_at is not None
    assert fs.mark_done("channel", "c1", "p1", done=False) is True
    assert [e.paper_id for e in fs.reading("channel", "c1")] == ["p1"]
    assert fs.mark_done("channel", "c1", "nope") is False
    assert fs.remove_reading("channel", "c1", "p1") is True
    assert fs.reading("channel", "c1", include_done=True) == []
    assert [e.paper_id for e in fs.reading("member", "a")] == ["p2"]  # the other list is untouched


def test_digest_opt_in_and_forget_everything_of_a_member(fs: FeedStore) -> None:
    fs.set_digest("a", True)
    fs.set_digest("b", True)
    fs.set_digest("b", False)
    assert fs.digest_enabled("a") and not fs.digest_enabled("b") and not fs.digest_enabled("c")
    assert fs.digest_members() == ["a"]
    fs.vote("a", "p1", +1)
    fs.follow("a", "Hao Su")
    fs.mute("a", "rain")
    fs.add_reading("member", "a", "p2")
    fs.add_reading("channel", "c1", "p3", added_by="a")
    fs.vote("b", "p1", -1)
    assert fs.preferences("a") == {
        "votes": [("p1", 1)],
        "follows": ["Hao Su"],
        "mutes": ["rain"],
        "reading": ["p2"],
        "digest": True,
    }
    assert fs.forget("a") == 5
    assert fs.preferences("a") == {"votes": [], "follows": [], "mutes": [], "reading": [], "digest": False}
    assert [v.value for v in fs.votes("b")] == [-1]  # another member's vote stays
    assert [e.paper_id for e in fs.reading("channel", "c1")] == ["p3"]  # so does the channel's list


def test_a_member_key_must_be_given(fs: FeedStore) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        fs.vote("  ", "p1", 1)


def test_concurrent_voters_and_readers_on_one_sqlite_file(tmp_path: Path) -> None:
    """Writers with their own connections (as separate processes have) vote, revote and unvote while readers
    list; every write lands, the last one per (member, paper) wins, and no reader sees a broken row."""
    data = tmp_path / "data"
    FeedStore(SqliteStore(data))  # the tables exist before the race
    members, papers, rounds = 4, 6, 15
    errors: list[BaseException] = []
    start = threading.Barrier(members + 2)

    def writer(m: int) -> None:
        fs = FeedStore(SqliteStore(data))
        try:
            start.wait()
            for r in range(rounds):
                for p in range(papers):
                    value = 1 if (r + p + m) % 2 else -1
                    fs.vote(f"m{m}", f"p{p}", value, channel="c")
                    if p == 0:
                        fs.unvote(f"m{m}", "p0")
                fs.follow(f"m{m}", f"Author {r}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def reader() -> None:
        fs = FeedStore(SqliteStore(data))
        try:
            start.wait()
            for _ in range(rounds * 3):
                for v in fs.votes("m0"):
                    assert v.value in (-1, 1)
                net = fs.channel_votes("c")
                assert all(abs(n) <= members for n in net.values())
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(m,)) for m in range(members)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    fs = FeedStore(SqliteStore(data))
    last = rounds - 1
    for m in range(members):
        got = {v.paper_id: v.value for v in fs.votes(f"m{m}")}
        assert got == {f"p{p}": (1 if (last + p + m) % 2 else -1) for p in range(1, papers)}
        assert len(fs.follows(f"m{m}")) == rounds
    expected_net = {
        f"p{p}": sum(1 if (last + p + m) % 2 else -1 for m in range(members)) for p in range(1, papers)
    }
    assert fs.channel_votes("c") == expected_net


def test_round_trip_on_both_backends(backend_settings: IndexSettings) -> None:
    """The same statements work on SQLite and PostgreSQL (upserts, partial upserts, counts)."""
    store = open_store(backend_settings)
    try:
        fs = FeedStore(store)
        fs.vote("a", "p1", 1, channel="c")
        fs.vote("a", "p1", -1, channel="c")
        fs.add_reading("channel", "c", "p2")
        fs.mark_done("channel", "c", "p2")
        assert fs.add_reading("channel", "c", "p2") is True  # back on the list, unread
        fs.follow("a", "Su, Hao")
        fs.set_digest("a", True)
        assert fs.channel_votes("c") == {"p1": -1}
        assert [e.paper_id for e in fs.reading("channel", "c")] == ["p2"]
        assert fs.preferences("a")["follows"] == ["Su, Hao"]
        assert fs.forget("a") == 3
    finally:
        store.close()
