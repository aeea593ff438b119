"""Weekly recap: themes from k-means on the stored vectors, syntheses whose citations point at the sentence's
own paper, the most-👍 papers and the reading list."""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pytest

from index.answers.sentences import split_sentences
from index.feed import Feed
from index.feed.recap import Recap, kmeans, recap
from index.paperindex import PaperIndex
from index.topics import Topic
from tests.helpers.factories import paper

TOPIC = Topic(name="vision", keywords=("vision",), description="vision")
END = date(2026, 1, 11)

PAPERS = {
    "n1": (
        "NeRF relighting",
        "We propose a nerf radiance model for relighting scenes. It runs on one small GPU.",
    ),
    "n2": (
        "Radiance fields at scale",
        "Large scenes need radiance fields with nerf tricks to train. Code is at "
        "https://github.com/x/y. Our nerf radiance results beat older baselines.",
    ),
    "n3": ("Fast NeRF", "A faster nerf training schedule for radiance fields is shown here."),
    "r1": ("Deformable registration", "We study registration of brain scans with a new registration loss."),
    "r2": (
        "Registration networks",
        "A registration network aligns scans in one pass without iterative solvers.",
    ),
    "w1": ("Rain removal", "Rain streaks and waterdrop artifacts are removed from road images by our model."),
    "w2": ("Waterdrop detection", "We detect waterdrop and rain regions on windshields in real time today."),
}


@pytest.fixture
def feed(fake_index: PaperIndex) -> Feed:
    recs = [
        (i, paper(pid, t, a, topics=("vision",), published=date(2026, 1, 5 + i % 5)))
        for i, (pid, (t, a)) in enumerate(PAPERS.items(), 1)
    ]
    recs.append(
        (
            99,
            paper(
                "old",
                "Old nerf radiance",
                "An old nerf radiance paper from the week before.",
                topics=("vision",),
                published=date(2025, 12, 20),
            ),
        )
    )
    fake_index.ingest(recs, "test")
    return Feed(fake_index)


def test_groups_are_themes_and_every_citation_points_at_its_own_paper(feed: Feed) -> None:
    r = recap(feed, TOPIC, END, groups=3)
    assert (r.start, r.end) == (date(2026, 1, 5), END)
    assert sorted(sorted(g.paper_ids) for g in r.groups) == [["n1", "n2", "n3"], ["r1", "r2"], ["w1", "w2"]]
    assert "old" not in {p for g in r.groups for p in g.paper_ids}  # published before the week
    assert sorted(r.citations) == list(range(1, len(r.citations) + 1))
    for g in r.groups:
        assert g.cited and set(g.cited) <= set(r.citations)
        for sentence, n in re.findall(r"(.+?) \[(\d+)\]\s*", g.synthesis):
            pid = r.citations[int(n)]
            assert pid in g.paper_ids
            assert sentence.strip() in split_sentences(PAPERS[pid][1])  # extractive: the paper's own words
            assert "github" not in sentence
    nerf = next(g for g in r.groups if "n1" in g.paper_ids)
    assert "nerf" in nerf.label or "radiance" in nerf.label


def test_recap_is_deterministic(feed: Feed) -> None:
    assert recap(feed, TOPIC, END, seed=3) == recap(feed, TOPIC, END, seed=3)


def test_most_liked_papers_and_the_reading_list(feed: Feed) -> None:
    for m in ("a", "b"):
        feed.vote(m, "r2", +1, channel="lab")
    feed.vote("c", "r1", +1, channel="lab")
    feed.vote("d", "r1", -1, channel="lab")
    feed.vote("e", "w1", +1, channel="elsewhere")
    feed.add_reading("channel", "lab", "w2")
    r = recap(feed, TOPIC, END, channel="lab", groups=3)
    reg = next(g for g in r.groups if "r1" in g.paper_ids)
    assert reg.top_liked == [("r2", 2), ("r1", 1)]
    rain = next(g for g in r.groups if "w1" in g.paper_ids)
    assert rain.top_liked == []  # its 👍 was in another channel
    assert r.reading == ["w2"]


def test_an_empty_week_is_an_empty_recap(feed: Feed) -> None:
    r = recap(feed, TOPIC, date(2025, 6, 1))
    assert r == Recap(
        topic="vision", start=date(2025, 5, 26), end=date(2025, 6, 1), groups=[], citations={}, reading=[]
    )


def test_kmeans_separates_blobs_and_repeats_itself() -> None:
    rng = np.random.default_rng(7)
    a = np.array([1.0, 0, 0]) + 0.05 * rng.standard_normal((6, 3))
    b = np.array([0, 1.0, 0]) + 0.05 * rng.standard_normal((5, 3))
    x = np.vstack([a, b])
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    labels = kmeans(x, 2, seed=1)
    assert len(set(labels[:6])) == 1 and len(set(labels[6:])) == 1 and labels[0] != labels[6]
    assert kmeans(x, 2, seed=1).tolist() == labels.tolist()
    assert kmeans(x[:1], 4).tolist() == [0]  # never more groups than papers
