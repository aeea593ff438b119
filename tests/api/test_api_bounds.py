"""Work before authentication is bounded (issue 27, item 9): a paper id of 15,000 characters is refused
before any lookup or fuzzy title matching, so eight of them at once cannot stall /search; /metrics labels
come from a fixed set, so requests with made-up methods cannot grow it. A real server, a real HTTP client."""

from __future__ import annotations

import random
import string
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from api.config import ApiSettings
from api.server import build_app
from index.config import LLMSettings
from index.paperindex import PaperIndex
from tests.helpers.api_server import LiveServer
from tests.helpers.factories import make_settings, paper
from tests.helpers.fakes import FakeEmbedder

TITLES = 3_000  # enough titles that fuzzy matching a long id against them all costs seconds


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = make_settings(tmp_path_factory.mktemp("bounds") / "data")
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    words = ["rain", "nerf", "mamba", "registration", "segmentation", "medical", "adversarial", "gaussian"]
    rng = random.Random(7)
    ix.ingest(
        [
            (i, paper(f"t:{i}", " ".join(rng.choice(words) for _ in range(12)) + f" study {i}"))
            for i in range(TITLES)
        ],
        "t",
    )
    app = build_app(ix, LLMSettings(_env_file=None), ApiSettings(_env_file=None, api_key=SecretStr("k")))
    with LiveServer(app) as url:
        yield url
    ix.close()


def test_a_very_long_paper_id_is_refused_before_any_lookup(base_url: str) -> None:
    long_id = "a" * 15_000
    with httpx.Client(base_url=base_url, timeout=120) as c:
        start = time.perf_counter()
        r = c.get(f"/papers/{long_id}")
        took = time.perf_counter() - start
        assert r.status_code == 414 and "too long" in r.json()["error"]
        assert took < 1.0, took
        # Just over the id bound but within the path bound: refused by the route, still before any lookup.
        r = c.get(f"/papers/{'b' * 400}/similar")
        assert r.status_code == 414 and "at most 300" in r.json()["error"]
        assert c.get("/papers/t:5").status_code == 200  # ordinary ids still resolve


def test_eight_long_ids_at_once_do_not_stall_search(base_url: str) -> None:
    long_id = "nerf rain " * 1_500
    done: list[float] = []

    def attack() -> None:
        with httpx.Client(base_url=base_url, timeout=300) as c:
            start = time.perf_counter()
            c.get(f"/papers/{long_id}")
            done.append(time.perf_counter() - start)

    threads = [threading.Thread(target=attack) for _ in range(8)]
    for t in threads:
        t.start()
    with httpx.Client(base_url=base_url, timeout=300) as c:
        start = time.perf_counter()
        r = c.get("/search", params={"q": "rain nerf", "k": 3, "mode": "dense"})
        search_s = time.perf_counter() - start
    for t in threads:
        t.join(300)
    assert r.status_code == 200 and len(r.json()) == 3
    assert search_s < 2.0 and max(done) < 2.0, (search_s, done)


def test_metrics_labels_come_from_a_fixed_set(base_url: str) -> None:
    rng = random.Random(1)
    methods = ["".join(rng.choices(string.ascii_uppercase, k=10)) for _ in range(300)]
    with httpx.Client(base_url=base_url, timeout=60) as c:
        before = len(c.get("/metrics").content)
        for m in methods:
            c.request(m, f"/no/such/path/{m}")
        c.get(f"/{'x' * 5000}")
        text = c.get("/metrics").text
    assert not [m for m in methods if m in text]
    assert 'method="other"' in text and "xxxxx" not in text
    assert len(text) - before < 5_000, len(text) - before  # a few new series, not 300
