"""The /feed routes through a real HTTP client against a real server on 127.0.0.1, over the sample papers on
the concept-counting fake embedder (exact rankings), with an API key set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.config import ApiSettings
from index.answers.answer import Answerer
from index.answers.summarize import Summarizer
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from index.topics import load_topics
from tests.bot.conftest import SAMPLE, nerf_topics
from tests.helpers.api_server import LiveServer
from tests.helpers.fakes import FakeEmbedder

KEY = {"X-API-Key": "s3cret"}
NERF_LIKED, GAUSSIAN_LIKED = "2403.19985", "2403.19655"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[httpx.Client]:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=tmp_path / "data", multilingual=False), embedder=FakeEmbedder()
    )
    ix.ingest(map(nerf_topics, records_for(SAMPLE, "jsonl")), "sample")
    llm = LLMSettings(_env_file=None)
    answerer = Answerer(ix, llm)
    app = create_app(
        ix,
        answerer,
        Summarizer(ix, llm, slots=answerer.slots),
        load_topics(),
        ApiSettings(_env_file=None, api_key=SecretStr("s3cret")),
    )
    with LiveServer(app) as url, httpx.Client(base_url=url, headers=KEY, timeout=30) as c:
        yield c
    ix.close()


def test_the_feed_needs_the_api_key(client: httpx.Client) -> None:
    for key in (None, "wrong"):
        headers = {"X-API-Key": key} if key else {}
        r = httpx.get(f"{client.base_url}/feed/prefs", params={"member": "ana"}, headers=headers)
        assert r.status_code == 401 and "X-API-Key" in r.json()["error"]
        r = httpx.post(
            f"{client.base_url}/feed/votes",
            json={"member": "ana", "paper": NERF_LIKED, "value": 1},
            headers=headers,
        )
        assert r.status_code == 401
    assert client.get("/feed/prefs", params={"member": "ana"}).json()["votes"] == [], "nothing was recorded"


def test_votes_rank_each_members_feed_with_reasons(client: httpx.Client) -> None:
    for member, liked, disliked in (("ana", GAUSSIAN_LIKED, NERF_LIKED), ("bo", NERF_LIKED, GAUSSIAN_LIKED)):
        r = client.post("/feed/votes", json={"member": member, "paper": liked, "value": 1})
        assert r.status_code == 200 and r.json()["paper"] == liked
        assert (
            client.post("/feed/votes", json={"member": member, "paper": disliked, "value": -1}).status_code
            == 200
        )
    a = client.get("/feed", params={"member": "ana", "topic": "NeRF", "k": 4}).json()
    b = client.get("/feed", params={"member": "bo", "k": 4}).json()  # default: the topics bo voted in
    assert all("Gaussian" in c["title"] or "Splat" in c["title"] for c in a), a
    assert not any("Gaussian" in c["title"] or "Splat" in c["title"] for c in b), b
    assert (
        b[0]["reason"]["kind"] == "liked"
        and b[0]["reason"]["paper_id"] == NERF_LIKED
        and b[0]["topic"] == "NeRF"
    )
    r = client.delete("/feed/votes", params={"member": "bo", "paper": NERF_LIKED})
    assert r.json() == {"changed": True}
    assert client.get("/feed/prefs", params={"member": "bo"}).json()["votes"] == [[GAUSSIAN_LIKED, -1]]


def test_follows_mutes_reading_seeds_prefs_and_undo(client: httpx.Client) -> None:
    assert client.put("/feed/follows", json={"member": "ana", "author": "Dey, Arnab"}).json() == {
        "changed": True
    }
    top = client.get("/feed", params={"member": "ana", "topic": "NeRF", "k": 2}).json()
    assert {c["id"] for c in top} == {"2404.06246", "2404.06152"} and top[0]["reason"]["kind"] == "author"
    assert client.put("/feed/mutes", json={"member": "ana", "keyword": "human"}).json() == {"changed": True}
    ids = {c["id"] for c in client.get("/feed", params={"member": "ana", "topic": "NeRF", "k": 20}).json()}
    assert not {"2404.06246", "2404.06152"} & ids
    assert client.put("/feed/reading", json={"member": "ana", "paper": "DerainNeRF"}).status_code == 200
    assert client.put("/feed/reading", json={"channel": "lab", "paper": "2403.19780"}).status_code == 200
    assert [p["id"] for p in client.get("/feed/reading", params={"channel": "lab"}).json()] == ["2403.19780"]
    prefs = client.get("/feed/prefs", params={"member": "ana"}).json()
    assert prefs == {
        "votes": [],
        "follows": ["Dey, Arnab"],
        "mutes": ["human"],
        "reading": ["2403.20013"],
        "digest": False,
    }
    client.delete("/feed/follows", params={"member": "ana", "author": "Arnab Dey"})
    client.delete("/feed/mutes", params={"member": "ana", "keyword": "Human"})
    r = client.put("/feed/reading", json={"member": "ana", "paper": "2403.20013", "done": True})
    assert r.status_code == 200
    assert client.get("/feed/reading", params={"member": "ana"}).json() == []
    assert client.put("/feed/digest", json={"member": "ana", "enabled": True}).status_code == 200
    prefs = client.get("/feed/prefs", params={"member": "ana"}).json()
    assert prefs["follows"] == [] and prefs["mutes"] == [] and prefs["digest"] is True
    assert client.delete("/feed/prefs", params={"member": "ana"}).json() == {"changed": True}
    assert client.get("/feed/prefs", params={"member": "ana"}).json()["digest"] is False

    assert (
        client.put("/feed/seeds", json={"topic": "nerf", "paper": NERF_LIKED, "channel": "lab"}).status_code
        == 200
    )
    chan = client.get("/feed", params={"channel": "lab", "topic": "NeRF", "k": 1}).json()
    assert chan[0]["reason"]["kind"] == "seed" and chan[0]["reason"]["paper_id"] == NERF_LIKED
    mine = client.get("/feed", params={"member": "zed", "channel": "lab", "topic": "NeRF", "k": 1}).json()
    assert mine[0]["reason"]["kind"] == "seed", "a member asking in a channel gets its seeds too"
    assert (
        client.get("/feed", params={"member": "zed", "topic": "NeRF", "k": 1}).json()[0]["reason"]["kind"]
        == "topic"
    )
    assert client.delete(
        "/feed/seeds", params={"topic": "NeRF", "paper": NERF_LIKED, "channel": "lab"}
    ).json() == {"changed": True}


def test_mistakes_are_clear_errors(client: httpx.Client) -> None:
    r = client.post(
        "/feed/votes", json={"member": "ana", "paper": "a paper about llamas nobody wrote", "value": 1}
    )
    assert r.status_code == 404 and "No paper matches" in r.json()["error"]
    r = client.post("/feed/votes", json={"member": "ana", "paper": NERF_LIKED, "value": 2})
    assert r.status_code == 422 and "value" in r.json()["error"]
    assert client.get("/feed", params={"topic": "NeRF"}).status_code == 400
    r = client.get("/feed", params={"member": "ana", "topic": "Llamas"})
    assert r.status_code == 400 and "Unknown topic" in r.json()["error"]
    r = client.put("/feed/mutes", json={"member": "ana", "keyword": "!!!"})
    assert r.status_code == 400 and "letter or digit" in r.json()["error"]
    r = client.get("/feed/reading", params={"member": "ana", "channel": "lab"})
    assert r.status_code == 400 and "exactly one" in r.json()["error"]


def test_recap_cites_its_papers(client: httpx.Client) -> None:
    client.post("/feed/votes", json={"member": "ana", "paper": "2404.06246", "value": 1, "channel": "lab"})
    client.put("/feed/reading", json={"channel": "lab", "paper": "2404.06152"})
    r = client.get("/feed/recap", params={"topic": "NeRF", "end": "2024-04-14", "channel": "lab"})
    assert r.status_code == 200
    recap = r.json()
    assert recap["start"] == "2024-04-08" and recap["reading"] == ["2404.06152"] and recap["groups"]
    cited = [n for g in recap["groups"] for n in g["cited"]]
    assert sorted(cited) == sorted(int(n) for n in recap["citations"])
    assert any(["2404.06246", 1] in g["top_liked"] for g in recap["groups"])
    assert (
        client.get("/feed/recap", params={"topic": "NeRF"}).json()["end"] == "2024-04-14"
    )  # the latest paper
