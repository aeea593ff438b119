"""The HTTP API through a real client against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from api.config import ApiSettings
from api.server import build_app
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from tests.helpers.api_server import LiveServer

pytestmark = pytest.mark.slow
APPS: list = []  # the app behind base_url, to read what its body guard recorded


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory, sample_dir: Path) -> Iterator[str]:
    import shutil

    data = tmp_path_factory.mktemp("api") / "data"
    shutil.copytree(sample_dir, data)
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=data, multilingual=True))
    settings = ApiSettings(_env_file=None, api_key=SecretStr("s3cret"))
    app = build_app(ix, LLMSettings(_env_file=None), settings)
    ix.warm()  # as `paperlens serve` does before its first request (a fresh cache measures and exports here)
    APPS.append(app)
    with LiveServer(app) as url:
        yield url
    ix.close()


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def test_search(client: httpx.Client) -> None:
    r = client.get("/search", params={"q": "removing waterdrops from NeRF", "k": 3})
    assert r.status_code == 200
    hits = r.json()
    assert (
        hits[0]["id"] == "2403.20013"
        and len(hits) == 3
        and hits[0]["url"] == "https://arxiv.org/abs/2403.20013"
    )
    r = client.get("/search", params={"q": "segmentation", "until": "2021-01-01", "mode": "bm25"})
    assert r.status_code == 200 and all(h["published"] < "2021" for h in r.json())
    r = client.get("/search", params={"q": "MambaMorph用了什么方法?", "k": 1})
    assert r.json()[0]["id"] == "2401.13934"


def test_papers_and_similar(client: httpx.Client) -> None:
    r = client.get("/papers/2401.13934v1")
    assert r.status_code == 200 and r.json()["authors"] == ["Tao Guo", "Yinuo Wang", "Cai Meng"]
    r = client.get("/papers/cvpr2020:explorable-super-resolution")
    assert r.status_code == 200 and r.json()["comment"] == "CVPR 2020"
    r = client.get("/papers/2403.20013/similar", params={"k": 3})
    assert r.status_code == 200 and len(r.json()) == 3 and "2403.20013" not in [h["id"] for h in r.json()]


def test_ask_needs_the_api_key_and_cites(client: httpx.Client) -> None:
    body = {"question": "what does MambaMorph propose?"}
    assert client.post("/ask", json=body).status_code == 401
    assert client.post("/ask", json=body, headers={"X-API-Key": "wrong"}).status_code == 401
    r = client.post("/ask", json=body, headers={"X-API-Key": "s3cret"})
    assert r.status_code == 200
    a = r.json()
    assert a["citations"][0]["id"] == "2401.13934" and a["provider"] == "extractive" and "[1]" in a["text"]


def test_digest_json_and_markdown(client: httpx.Client) -> None:
    r = client.get("/digests/NeRF", params={"date": "2024-04-01"})
    assert r.status_code == 200 and r.json()["total_new"] == 8
    r = client.get("/digests/nerf", params={"date": "2024-04-01", "format": "markdown"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert r.text.count("\n## ") == 8
    r = client.get("/digests/unknown-topic")
    assert r.status_code == 400 and "Known topics" in r.json()["error"]


def test_health_and_metrics(client: httpx.Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok" and r.json()["papers"] == 40
    client.get("/search", params={"q": "nerf"})
    m = client.get("/metrics")
    assert m.status_code == 200
    assert 'paperlens_http_requests_total{method="GET",route="/search",status="200"}' in m.text
    assert "paperlens_http_request_seconds_bucket" in m.text


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "words"),
    [
        ("get", "/search", {"params": {"q": ""}}, 422, "q"),
        ("get", "/search", {"params": {"q": "   "}}, 400, "empty"),
        ("get", "/search", {"params": {"q": "nerf", "k": 1_000_000}}, 422, "k"),
        ("get", "/search", {"params": {"q": "nerf", "mode": "fuzzy"}}, 422, "mode"),
        ("get", "/search", {"params": {"q": "nerf", "since": "yesterday"}}, 422, "since"),
        ("get", "/papers/2499.00001", {}, 404, "not in the index"),
        ("get", "/papers/no such title at all", {}, 404, "No paper matches"),
        (
            "post",
            "/ask",
            {"content": b"{not json", "headers": {"X-API-Key": "s3cret", "Content-Type": "application/json"}},
            422,
            "JSON",
        ),
        ("post", "/ask", {"json": {"question": ""}, "headers": {"X-API-Key": "s3cret"}}, 422, "question"),
        ("post", "/ask", {"content": b"x" * 1_000_000, "headers": {"X-API-Key": "s3cret"}}, 413, "too large"),
        ("get", "/nowhere", {}, 404, "Not Found"),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(
    client: httpx.Client, method: str, path: str, kwargs: dict, status: int, words: str
) -> None:
    r = getattr(client, method)(path, **kwargs)
    assert r.status_code == status, r.text
    assert words.lower() in r.json()["error"].lower()


def test_openapi_schema_is_valid(client: httpx.Client) -> None:
    from openapi_spec_validator import validate

    schema = client.get("/openapi.json").json()
    validate(schema)
    assert {
        "/search",
        "/papers/{paper_id}",
        "/papers/{paper_id}/similar",
        "/ask",
        "/digests/{topic}",
        "/healthz",
        "/metrics",
    } <= set(schema["paths"])


def test_schemathesis_finds_no_server_errors(base_url: str) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    calls: dict[str, int] = {}

    for result in schema.get_all_operations():
        op = result.ok()

        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=op.as_strategy())
        def check(case: schemathesis.Case) -> None:
            case.headers = {**(case.headers or {}), "X-API-Key": "s3cret"}  # /ask and the feed need it
            response = case.call(timeout=60)
            calls[case.path] = calls.get(case.path, 0) + 1
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:200]}"
                )

        check()
    assert failures == []
    paths = set(httpx.get(f"{base_url}/openapi.json", timeout=30).json()["paths"])
    assert set(calls) == paths, calls  # every operation was exercised
    assert all(calls[p] >= 10 for p in ("/search", "/papers/{paper_id}", "/ask", "/digests/{topic}")), calls


def test_load_script_on_loopback(sample_copy: Path) -> None:
    import json as _json
    import os
    import subprocess
    import sys

    env = {**os.environ, "PAPERLENS_DATA_DIR": str(sample_copy)}
    r = subprocess.run(
        [
            sys.executable,
            "scripts/load_test.py",
            "--requests",
            "40",
            "--concurrency",
            "4",
            "--max-seconds",
            "60",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=400,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert r.returncode == 0, r.stderr[-2000:]
    out = _json.loads(r.stdout)
    assert out["requests"] == 40 and out["errors"] == 0 and out["p50_ms"] > 0


def chunks(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """A request body with no Content-Length (chunked transfer), 50 MB unless told."""
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"x" * n


def test_a_chunked_body_stops_at_the_limit_and_the_key_is_checked_first(client: httpx.Client) -> None:
    app = APPS[0]
    app.state.body_bytes_refused = None
    big = 50 * 2**20
    r = client.post("/ask", content=chunks(big), headers={"X-API-Key": "wrong"})
    assert r.status_code == 401 and "X-API-Key" in r.json()["error"]
    assert app.state.body_bytes_refused is None, "a wrong key is refused before a byte of the body is read"
    r = client.post("/ask", content=chunks(big), headers={"X-API-Key": "s3cret"})
    assert r.status_code == 413 and "at most 65536 bytes" in r.json()["error"]
    read = app.state.body_bytes_refused
    # The server stops at the first piece past the limit; how big a piece is depends on what the socket
    # buffered (131,072 bytes on a quiet machine, 191,869 on a busy one), never on the 50 MB sent.
    assert 65536 < read < 2**20, read
    print(f"DRILL: chunked 50 MB body to POST /ask: 413 after reading {read:,} bytes (limit 65,536)")
    r = client.post("/ask", json={"question": "nerf"}, headers={"X-API-Key": "sécret-ключ".encode()})
    assert r.status_code == 401, "a non-ASCII key is a wrong key, not a server error"


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def test_docs_page_works_offline_in_a_real_browser(base_url: str, client: httpx.Client) -> None:
    """/docs in headless Chromium with every non-loopback host unresolvable: Swagger UI loads from the
    installed package and runs a search through the API."""
    html = client.get("/docs").text
    assert "/docs-assets/swagger-ui-bundle.js" in html and "cdn." not in html
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "/docs-assets/redoc.standalone.js" in client.get("/redoc").text
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (`make setup` installs them as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")  # offline but loopback
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        wait = WebDriverWait(driver, 30)
        driver.get(f"{base_url}/docs")
        search = wait.until(
            ec.element_to_be_clickable(
                (By.CSS_SELECTOR, ".opblock-get .opblock-summary-path[data-path='/search']")
            )
        )
        search.click()
        block = search.find_element(By.XPATH, "./ancestor::div[contains(@class, 'opblock-get')]")
        wait.until(lambda d: block.find_elements(By.CSS_SELECTOR, ".try-out__btn"))[0].click()
        query = wait.until(lambda d: block.find_elements(By.CSS_SELECTOR, "input[placeholder='q']"))[0]
        query.send_keys("removing waterdrops from NeRF")
        block.find_element(By.CSS_SELECTOR, "button.execute").click()
        body = wait.until(
            lambda d: [
                e
                for e in block.find_elements(
                    By.CSS_SELECTOR, ".live-responses-table .response-col_description pre"
                )
                if e.text
            ]
        )[0]
        assert "2403.20013" in body.text and "relevance" in body.text
        severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], severe
    finally:
        driver.quit()
