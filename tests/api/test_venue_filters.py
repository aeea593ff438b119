"""GET /search filters by venue and by a code link, and each hit says its venue (through a real server)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.config import ApiSettings
from api.server import build_app
from index.config import LLMSettings
from index.models import Links
from index.paperindex import PaperIndex
from tests.helpers.api_server import LiveServer
from tests.helpers.factories import make_settings, paper
from tests.helpers.fakes import FakeEmbedder


@pytest.fixture
def base_url(tmp_path: Path) -> Iterator[str]:
    ix = PaperIndex(make_settings(tmp_path / "data"), embedder=FakeEmbedder())
    ix.ingest(
        [
            (0, paper("2403.20013", "Rain NeRF", venue="CVPR 2024", links=Links(other=("https://github.com/x/rain",)))),
            (1, paper("miccai2023:rain", "Rain segmentation", venue="MICCAI 2023", published=date(2023, 1, 1),
                      published_year_only=True)),
            (2, paper("2404.00001", "Rain gaussians")),
        ],
        "t",
    )  # fmt: skip
    app = build_app(ix, LLMSettings(_env_file=None), ApiSettings(_env_file=None, api_key=SecretStr("k")))
    with LiveServer(app) as url:
        yield url
    ix.close()


def test_search_by_venue_and_code(base_url: str) -> None:
    with httpx.Client(base_url=base_url, timeout=30) as c:

        def ids(**params: str) -> list[str]:
            r = c.get("/search", params={"q": "rain", "mode": "bm25", **params})
            assert r.status_code == 200, r.text
            return sorted(h["id"] for h in r.json())

        assert ids(venue="cvpr") == ["2403.20013"]
        assert ids(venue="miccai 2023") == ["miccai2023:rain"]
        assert ids(has_code="true") == ["2403.20013"]
        assert ids() == ["2403.20013", "2404.00001", "miccai2023:rain"]
        hits = {h["id"]: h for h in c.get("/search", params={"q": "rain", "mode": "bm25"}).json()}
        assert hits["2403.20013"]["venue"] == "CVPR 2024" and hits["2404.00001"]["venue"] is None
        assert c.get("/search", params={"q": "rain", "venue": "x" * 201}).status_code == 422
