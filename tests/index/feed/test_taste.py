"""The feed's ranking under the concept FakeEmbedder, where every cosine is known, and its reasons are true."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from index.errors import PaperNotFoundError
from index.feed import Feed, FeedItem
from index.feed.store import author_key
from index.feed.taste import Taste, rank, zscore
from index.models import Paper
from index.paperindex import PaperIndex
from index.topics import Topic
from tests.helpers.factories import paper

TOPIC = Topic(name="vision", keywords=("vision",), description="medical vision")
DAY = date(2026, 1, 5)

# Concept words (tests/helpers/fakes.py): nerf/radiance, gaussian/splatting, registration, mamba, segmentation,
# rain, medical, adversarial. "medical" is the topic's own axis.
PAPERS = [
    ("n1", "NeRF radiance fields", "nerf radiance", ("Hao Su",)),
    ("n2", "NeRF for scenes", "nerf nerf medical", ()),
    ("n3", "Radiance caching", "radiance radiance", ()),
    ("g1", "Gaussian splatting", "gaussian splatting", ()),
    ("g2", "Gaussian splatting medical", "gaussian medical", ()),
    ("r1", "Registration of scans", "registration medical", ()),
    ("r2", "Deformable registration", "registration registration", ()),
    ("r3", "Registration with mamba", "registration mamba", ("Su, Hao",)),
    ("s1", "Medical segmentation", "segmentation medical medical", ()),
    ("w1", "Rain removal", "rain waterdrop", ()),
    ("a1", "Adversarial medical attacks", "adversarial medical", ()),
]


@pytest.fixture
def feed(fake_index: PaperIndex) -> Feed:
    recs = [
        (i, paper(pid, title, abstract, authors=authors, topics=("vision",), published=DAY))
        for i, (pid, title, abstract, authors) in enumerate(PAPERS, 1)
    ]
    fake_index.ingest(recs, "test")
    return Feed(fake_index)


def ids(items: list[FeedItem]) -> list[str]:
    return [it.paper.id for it in items]


def check_reasons(feed: Feed, items: list[FeedItem], member: str | None, channel: str | None = None) -> None:
    """Every reason against the data that produced it: the cited liked paper is one the member 👍 and the
    liked paper nearest this one; the author is one the member follows and wrote this paper; the seed is a
    seed of the topic and the nearest one; the chosen component is the largest positive personal one."""
    taste = feed.taste(TOPIC, member=member, channel=channel)
    for it in items:
        r = it.reason
        personal = {k: v for k, v in r.contributions.items() if k != "topic" and v > 0}
        assert abs(sum(r.contributions.values()) - it.score) < 1e-3
        if r.kind == "topic":
            assert not personal
            assert r.text == f"new in your topic '{TOPIC.name}'"
            continue
        assert personal and max(personal, key=lambda k: personal[k]) == {"liked": "taste"}.get(r.kind, r.kind)
        vec = feed.vectors([feed.index.store.get(it.paper.id)[0]], [it.paper])[0]  # type: ignore[index]
        if r.kind == "liked":
            assert r.paper_id in taste.liked.ids
            sims = taste.liked.vectors @ vec
            assert sims[taste.liked.ids.index(r.paper_id)] == pytest.approx(sims.max())
            assert r.text == f"like '{r.title}' you 👍"
        elif r.kind == "seed":
            assert r.paper_id in taste.seeds.ids
            sims = taste.seeds.vectors @ vec
            assert sims[taste.seeds.ids.index(r.paper_id)] == pytest.approx(sims.max())
        elif r.kind == "author":
            assert r.author in taste.follows.values()
            assert author_key(r.author) in {author_key(a) for a in it.paper.authors}
            assert r.text == f"by {r.author}, whom you follow"


def test_cold_start_is_the_topic_ranking(feed: Feed) -> None:
    items = feed.rank(TOPIC, member="newcomer", k=11)
    # "medical" papers first, the most medical one (s1: 2 of 3 concept words) on top.
    assert ids(items)[0] == "s1"
    assert set(ids(items)[:5]) == {"s1", "n2", "g2", "r1", "a1"}
    assert all(it.reason.kind == "topic" for it in items)
    check_reasons(feed, items, "newcomer")


def test_likes_pull_their_kind_up_and_the_reason_names_the_nearest_liked_paper(feed: Feed) -> None:
    feed.vote("alice", "n1", +1)
    feed.vote("alice", "r2", -1)
    items = feed.rank(TOPIC, member="alice", k=5)
    assert ids(items)[:2] == ["n3", "n2"]  # the other NeRF papers, pure radiance first
    assert "n1" not in ids(items) and "r2" not in ids(items)  # voted papers are not shown again
    assert items[0].reason.kind == "liked" and items[0].reason.paper_id == "n1"
    assert items[0].reason.text == "like 'NeRF radiance fields' you 👍"
    full = feed.rank(TOPIC, member="alice", k=20)
    assert set(ids(full)[-2:]) == {"r1", "r3"}  # the disliked registration's kin sinks below everything
    check_reasons(feed, full, "alice")


def test_two_members_of_one_channel_with_opposite_taste_get_different_feeds(feed: Feed) -> None:
    for pid in ("n1", "n3"):
        feed.vote("alice", pid, +1, channel="lab")
        feed.vote("bob", pid, -1, channel="lab")
    for pid in ("r1", "r2"):
        feed.vote("alice", pid, -1, channel="lab")
        feed.vote("bob", pid, +1, channel="lab")
    a = feed.rank(TOPIC, member="alice", k=3)
    b = feed.rank(TOPIC, member="bob", k=3)
    assert ids(a)[0] == "n2" and ids(b)[0] == "r3"
    assert ids(a) != ids(b)
    assert not {"r3"} & set(ids(a)) and not {"n2"} & set(ids(b))  # neither sees what the other likes
    check_reasons(feed, a, "alice")
    check_reasons(feed, b, "bob")
    # The channel's own taste is the sum of both: every vote cancels, so the channel feed is the topic's.
    assert feed.store.channel_votes("lab") == {"n1": 0, "n3": 0, "r1": 0, "r2": 0}
    chan = feed.rank(TOPIC, channel="lab", k=3)
    assert all(it.reason.kind == "topic" for it in chan)


def test_channel_feed_follows_the_channel_votes(feed: Feed) -> None:
    feed.vote("alice", "g1", +1, channel="lab")
    feed.vote("bob", "g1", +1, channel="lab")
    items = feed.rank(TOPIC, channel="lab", k=2)
    assert ids(items)[0] == "g2"
    assert items[0].reason.kind == "liked" and items[0].reason.paper_id == "g1"
    check_reasons(feed, items, None, "lab")


def test_followed_author_is_boosted_with_a_true_reason(feed: Feed) -> None:
    feed.store.follow("carol", "Hao Su")  # r3 spells it "Su, Hao"
    items = feed.rank(TOPIC, member="carol", k=3)
    assert set(ids(items)[:2]) == {"n1", "r3"}
    assert {it.reason.kind for it in items[:2]} == {"author"}
    check_reasons(feed, items, "carol")
    feed.store.unfollow("carol", "Hao Su")
    assert ids(feed.rank(TOPIC, member="carol", k=1)) == ["s1"]


def test_muted_keywords_exclude_papers(feed: Feed) -> None:
    feed.store.mute("dan", "Gaussian Splatting")
    feed.store.mute("dan", "medical")
    shown = ids(feed.rank(TOPIC, member="dan", k=20))
    assert not {"g1", "g2", "n2", "s1", "r1", "a1"} & set(shown)
    assert set(shown) == {"n1", "n3", "r2", "r3", "w1"}
    feed.store.unmute("dan", "medical")
    assert "s1" in ids(feed.rank(TOPIC, member="dan", k=20))


def test_seed_papers_steer_a_topic_and_say_so(feed: Feed) -> None:
    feed.seed(TOPIC, "w1")
    items = feed.rank(TOPIC, member="erin", k=11)
    assert "w1" not in ids(items)
    check_reasons(feed, items, "erin")
    feed.seed(TOPIC, "g1")
    items = feed.rank(TOPIC, member="erin", k=1)
    assert ids(items) == ["g2"] and items[0].reason.kind == "seed" and items[0].reason.paper_id == "g1"
    assert items[0].reason.text == "matches your topic's seed paper 'Gaussian splatting'"


def test_voting_on_an_unknown_paper_says_so(feed: Feed) -> None:
    with pytest.raises(PaperNotFoundError):
        feed.vote("alice", "9999.99999", +1)
    assert feed.store.votes("alice") == []


def test_votes_by_title_resolve_to_the_stored_paper(feed: Feed) -> None:
    got = feed.vote("alice", "Deformable registration", +1)
    assert got.id == "r2"
    assert [v.paper_id for v in feed.store.votes("alice")] == ["r2"]


def test_rank_is_a_pure_function_of_vectors() -> None:
    papers = [Paper(id=str(i), title=f"t{i}", abstract="a") for i in range(3)]
    vecs = np.eye(3, dtype=np.float32)
    topic = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    items = rank(papers, vecs, topic, "x", Taste(), k=2)
    assert [it.paper.id for it in items] == ["0", "1"]  # ties after the best broken by id
    assert zscore(np.array([2.0, 2.0])).tolist() == [0.0, 0.0]


def test_personal_digest_only_for_members_who_opted_in_and_only_their_topics(feed: Feed) -> None:
    other = Topic(name="other", keywords=("x",), description="rain")
    feed.vote("alice", "n1", +1, topic="vision")
    assert feed.personal_digest("alice", [TOPIC, other], DAY, DAY) == {}  # not opted in
    feed.store.set_digest("alice", True)
    got = feed.personal_digest("alice", [TOPIC, other], DAY, DAY, k=2)
    assert list(got) == ["vision"]  # no vote in "other" (and no paper of it either)
    assert ids(got["vision"]) == ids(feed.rank(TOPIC, member="alice", k=2, since=DAY, until=DAY))
    assert feed.personal_digest("alice", [TOPIC], date(2020, 1, 1), date(2020, 1, 2)) == {}  # nothing new
    feed.store.set_digest("alice", False)
    assert feed.personal_digest("alice", [TOPIC], DAY, DAY) == {}


def test_the_reason_is_the_largest_personal_contribution(feed: Feed) -> None:
    feed.store.follow("fay", "Hao Su")
    feed.vote("fay", "n3", +1)
    items = feed.rank(TOPIC, member="fay", k=3)
    n1 = next(it for it in items if it.paper.id == "n1")  # by Hao Su and like the liked radiance paper
    assert (
        n1.reason.contributions["taste"] > 0
        and n1.reason.contributions["author"] > n1.reason.contributions["taste"]
    )
    assert n1.reason.kind == "author"
    n2 = next(it for it in items if it.paper.id == "n2")
    assert n2.reason.kind == "liked" and n2.reason.paper_id == "n3"
    check_reasons(feed, items, "fay")
