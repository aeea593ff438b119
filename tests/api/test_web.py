"""The search web page (api/web.py) through the real app on 127.0.0.1: over HTTP for structure, escaping,
errors and Chinese, and in headless Chromium (as the /docs test) for what a reader does."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from api.config import ApiSettings
from api.server import build_app
from index.config import IndexSettings, LLMSettings
from index.paperindex import PaperIndex
from index.sources.importers import records_for
from tests.helpers.api_server import LiveServer

pytestmark = pytest.mark.slow
KEY = "w3b-s3cret"
TRICKY_ID = "webtest:tricky"
# A paper whose every field tries to break out of the page: tags, quotes, a javascript: link, an attribute.
TRICKY = {
    "id": TRICKY_ID,
    "title": '<script>alert("pwn")</script> Retinal OCT "speckle" & <b>noise</b> removal',
    "authors": ["Ann <img src=x onerror=alert(1)>", "Bo Li"],
    "abstract": (
        "Optical coherence tomography (OCT) images of the retina carry heavy speckle noise. We propose a "
        "self-supervised denoising network for retinal OCT that needs no clean images. On 3 public datasets "
        "it improves PSNR by 2.1 dB over the best prior method."
    ),
    "abstract_zh": (
        "视网膜光学相干断层扫描（OCT）图像带有严重的散斑噪声。我们提出一种无需干净图像的视网膜 OCT 自监督去噪网络。"
        "在 3 个公开数据集上，它比此前最好的方法提高了 2.1 dB 的 PSNR。"
    ),
    "published": "2019",
    "links": {
        "abs": "javascript:alert(1)",
        "pdf": 'https://example.org/p.pdf" onmouseover="alert(2)',
        "other": ["https://example.org/a?b=<c>"],
    },
}

CODE_ID = "webtest:code"
CODE_LINKS = [  # as stored: the importer's URL policy percent-encodes the last one's <, > and quotes
    "https://github.com/webtest/quokkanet",
    "https://webtest.github.io/quokkanet/",
    "https://github.com/webtest/quokkanet/tree/main?a=%3Cb%3E&c=%22d%22",
]
# A paper linking two code repositories and a project page among other links (no topic: not in NeRF results).
CODE_PAPER = {
    "id": CODE_ID,
    "title": "Quokkanet: counting wombat burrows from drone images",
    "authors": ["Cy Dee"],
    "abstract": (
        "Wombat burrows are hard to count on foot. Quokkanet counts them in drone images of grassland with a "
        "small detector trained on 900 labelled burrows, and matches expert counts within 4 percent."
    ),
    "published": "2025-02-03",
    "links": {
        "abs": "https://example.org/quokkanet",
        "other": [
            CODE_LINKS[0],
            CODE_LINKS[1],
            "https://example.org/data",
            'https://github.com/webtest/quokkanet/tree/main?a=<b>&c="d"',
        ],
    },
}


class Page(HTMLParser):
    """The parts of a page the tests read: every element's attributes, the links' text, the text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.links: list[tuple[str, str]] = []
        self.text: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "a":
            self._href, self._link_text = dict(attrs).get("href") or "", []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links.append((self._href, "".join(self._link_text).strip()))
            self._href = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._href is not None:
            self._link_text.append(data)

    def hrefs(self, prefix: str = "") -> list[str]:
        return [h for h, _ in self.links if h.startswith(prefix)]

    def tags(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag]


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, sample_dir: Path, real_embedders: tuple[Any, Any]
) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("web")
    data = tmp / "data"
    shutil.copytree(sample_dir, data)
    extra = tmp / "tricky.jsonl"
    extra.write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in (TRICKY, CODE_PAPER)), encoding="utf-8"
    )
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=data, multilingual=True),
        embedder=real_embedders[0],
        multilingual_embedder=real_embedders[1],
    )
    assert ix.ingest(records_for(extra, "jsonl"), "webtest").added == 2
    app = build_app(ix, LLMSettings(_env_file=None), ApiSettings(_env_file=None, api_key=SecretStr(KEY)))
    with LiveServer(app) as url:
        yield url
    ix.close()


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def get(client: httpx.Client, path: str, status: int = 200, **kwargs: Any) -> Page:
    r = client.get(path, **kwargs)
    assert r.status_code == status, r.text[:500]
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none': no script runs
    return Page(r.text)


def test_home_is_a_search_form_that_works_without_javascript(client: httpx.Client) -> None:
    page = get(client, "/")
    form = page.tags("form")[0]
    assert form["method"] == "get" and form["action"] == "/"
    box = next(a for a in page.tags("input") if a.get("id") == "q")
    assert box["name"] == "q" and "autofocus" in box and box["accesskey"] == "s"
    labels = {a["for"] for a in page.tags("label")}
    assert {"q", "since", "until", "category", "topic", "author", "mode"} <= labels
    topics = [a["value"] for a in page.tags("option")]
    assert "NeRF" in topics and "hybrid" in topics and "bm25" in topics
    assert page.hrefs("#main") and page.tags("main")[0]["id"] == "main"  # the skip link has a target
    assert page.tags("script") == [] and all("//" not in (a.get("href") or "") for a in page.tags("link"))
    css = client.get("/static/web.css")
    assert (
        css.status_code == 200 and "prefers-color-scheme: dark" in css.text and ":focus-visible" in css.text
    )


def test_search_results_link_to_paper_pages_with_relevance(client: httpx.Client) -> None:
    page = get(client, "/", params={"q": "removing waterdrops from NeRF"})
    papers = page.hrefs("/paper/")
    assert papers[0] == "/paper/2403.20013?lang=en" and len(papers) == 10
    text = "".join(page.text)
    assert "% match" in text and "2024-04-01" in text and "Results 1–10" in text
    more = [h for h, t in page.links if "More results" in t]
    assert more and "page=2" in more[0]
    second = get(client, more[0])
    assert "Results 11–20" in "".join(second.text) and second.hrefs("/paper/")[0] not in papers
    bm25 = "".join(get(client, "/", params={"q": "waterdrops", "mode": "bm25"}).text)
    assert "BM25 " in bm25 and "% match" not in bm25  # no similarity in keyword mode, as the bot shows it


def test_filters_narrow_the_results(client: httpx.Client) -> None:
    page = get(client, "/", params={"q": "segmentation", "until": "2021-01-01", "mode": "bm25"})
    ids = page.hrefs("/paper/")
    assert ids and all(h.startswith("/paper/cvpr2020:") for h in ids)
    page = get(client, "/", params={"q": "neural radiance fields", "topic": "NeRF", "author": "Zhang"})
    assert all(not h.startswith("/paper/cvpr2020:") for h in page.hrefs("/paper/"))
    assert "open" in page.tags("details")[0]  # filters in use stay visible
    page = get(client, "/", params={"q": "neural radiance fields", "venue": "cvpr 2024"})
    ids = {h.split("?")[0] for h in page.hrefs("/paper/")}
    assert ids and ids <= {f"/paper/{i}" for i in ("2403.19780", "2403.18922", "2404.06832", "2404.06270")}, (
        ids
    )
    page = get(client, "/", params={"q": "gaussian splatting", "has_code": "1"})
    ids = {h.split("?")[0] for h in page.hrefs("/paper/")}
    assert "/paper/2403.19655" in ids and "/paper/2403.20079" not in ids, (
        ids
    )  # GaussianCube links code, SGD not
    assert "checked" in next(a for a in page.tags("input") if a.get("id") == "has_code")


def test_every_stored_field_is_escaped_and_links_are_safe(client: httpx.Client) -> None:
    r = client.get("/", params={"q": "self-supervised denoising of retinal OCT speckle"})
    assert f"/paper/{TRICKY_ID}?lang=en" in r.text
    assert "<script>alert" not in r.text and "&lt;script&gt;alert(&#34;pwn&#34;)&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text and "<b>noise" not in r.text
    r = client.get(f"/paper/{TRICKY_ID}")
    page = Page(r.text)
    assert r.status_code == 200 and "<script>alert" not in r.text and "<img src=x" not in r.text
    assert page.tags("img") == [] and page.tags("script") == []
    assert not any("onmouseover" in a or "onerror" in a for _, a in page.elements)
    outside = [h for h, _ in page.links if h.startswith("http")]
    assert outside == ["https://example.org/a?b=%3Cc%3E"], outside  # the pdf link held spaces: dropped
    assert "javascript:" not in r.text
    assert "<time>2019</time>" in r.text or 'datetime="2019">2019<' in r.text  # a year-only date stays a year
    hostile = '"><script>alert(1)</script>'
    r = client.get("/", params={"q": hostile})
    assert hostile not in r.text and 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text


def test_paper_page_has_metadata_summary_and_similar_papers(client: httpx.Client) -> None:
    page = get(client, "/paper/2401.13934v1")
    text = "".join(page.text)
    assert "MambaMorph: a Mamba-based Backbone" in text
    assert "Tao Guo, Yinuo Wang, Cai Meng" in text and "2024-01-26" in text
    assert "https://arxiv.org/abs/2401.13934" in page.hrefs("https://")
    assert "TL;DR:" in text and "Key takeaways" in text
    similar = [h for h in page.hrefs("/paper/") if h.endswith("lang=en")]  # not the 中文 switch
    assert len(similar) == 5 and "/paper/2401.13934?lang=en" not in similar
    assert "CVPR 2020" in "".join(get(client, "/paper/cvpr2020:explorable-super-resolution").text)
    venue = get(client, "/", params={"q": "few-shot NeRF surface regularization", "topic": "NeRF"})
    assert any(a.get("class") == "venue" for a in venue.tags("span")) and "3DV 2024" in "".join(venue.text)


def test_hits_with_code_carry_a_code_badge_linking_their_first_code_link(client: httpx.Client) -> None:
    """The badge follows the library's rule (Paper.code_links, as the bot's cards and the terminal's Code
    column): the first code or project-page link, on exactly the hits that have one, in both languages."""
    for lang, label in (("en", "code"), ("zh", "代码")):
        page = get(client, "/", params={"q": "quokkanet wombat burrows", "mode": "bm25", "lang": lang})
        assert page.hrefs("/paper/")[0] == f"/paper/{CODE_ID}?lang={lang}"
        badges = [a for a in page.tags("a") if a.get("class") == "code"]
        assert badges and badges[0]["href"] == CODE_LINKS[0], badges
        assert (CODE_LINKS[0], label) in page.links
        assert (
            CODE_LINKS[0] in (badges[0]["aria-label"] or "")
            and label in (badges[0]["aria-label"] or "").lower()
        )
    with_code = get(client, "/", params={"q": "gaussian splatting", "has_code": "1"})
    hits = with_code.hrefs("/paper/")
    badges = [a["href"] for a in with_code.tags("a") if a.get("class") == "code"]
    assert hits and len(badges) == len(hits) and "https://gaussiancube.github.io/" in badges, badges
    every = get(client, "/", params={"q": "gaussian splatting"})
    assert 0 < len([a for a in every.tags("a") if a.get("class") == "code"]) < len(every.hrefs("/paper/"))


def test_paper_page_lists_every_code_link_in_a_code_row(client: httpx.Client) -> None:
    r = client.get(f"/paper/{CODE_ID}")
    assert r.status_code == 200 and '<dt>Code</dt><dd class="code-links">' in r.text
    assert "?a=<b>" not in r.text and "%3Cb%3E&amp;c=%22d%22" in r.text  # whole, safe, escaped
    page = Page(r.text)
    outside = [(h, t) for h, t in page.links if h.startswith("http")]
    # Every code link once, whole, in the Code row; the Links row keeps the others (no code link twice).
    assert outside == [
        *((u, u) for u in CODE_LINKS),
        ("https://example.org/quokkanet", "Abstract page"),
        ("https://example.org/data", "Link"),
    ], outside
    r = client.get(f"/paper/{CODE_ID}", params={"lang": "zh"})
    assert '<dt>代码</dt><dd class="code-links">' in r.text
    assert [h for h, _ in Page(r.text).links if h.startswith("https://")][:3] == CODE_LINKS
    r = client.get("/paper/2401.13934")  # the sample's MambaMorph links its code in its abstract
    assert '<dt>Code</dt><dd class="code-links"><a href="https://github.com/Guo-Stone/MambaMorph"' in r.text
    assert 'class="code-links"' not in client.get("/paper/2403.20013").text  # DerainNeRF links no code


def test_unknown_paper_and_bad_input_are_friendly_pages(client: httpx.Client) -> None:
    page = get(client, "/paper/2499.00001", status=404)
    assert "Paper not found" in "".join(page.text) and "not in the index" in "".join(page.text)
    assert page.hrefs("/?lang=en")
    assert "Paper not found" in client.get("/paper/" + "x" * 900).text
    page = get(client, "/", status=400, params={"q": "nerf", "since": "yesterday"})
    assert "is not a date" in "".join(page.text) and page.tags("form")  # the form stays to fix it
    assert "mode must be one of" in "".join(
        get(client, "/", status=400, params={"q": "nerf", "mode": "fuzzy"}).text
    )
    assert "The query is empty" in "".join(get(client, "/", status=400, params={"q": "\u200b\u200b"}).text)
    long_query = "neural radiance fields " * 300  # 6,900 characters: truncated like the API's, not refused
    page = get(client, "/", params={"q": long_query})
    box = next(a for a in page.tags("input") if a.get("id") == "q")
    assert len(box["value"] or "") == 2000 and page.hrefs("/paper/")


def test_chinese_chrome_queries_and_abstract(client: httpx.Client) -> None:
    r = client.get(
        "/", params={"q": "MambaMorph用了什么方法?"}, headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}
    )
    page = Page(r.text)
    assert page.tags("html")[0]["lang"] == "zh-Hans" and "匹配度" in r.text and "搜索" in r.text
    assert page.hrefs("/paper/")[0] == "/paper/2401.13934?lang=zh"
    switch = next(h for h, t in page.links if t == "English")
    assert "lang=en" in switch and "q=MambaMorph" in switch
    assert get(client, "/", headers={"Accept-Language": "en-US,zh;q=0.5"}).tags("html")[0]["lang"] == "en"
    page = get(client, f"/paper/{TRICKY_ID}", params={"lang": "zh"})
    text = "".join(page.text)
    assert "中文摘要" in text and "视网膜光学相干断层扫描" in text and "一句话总结" in text
    # The Chinese summary quotes the Chinese abstract.
    assert "自监督去噪网络" in text.split("一句话总结", 1)[1]


def test_ask_needs_the_key_and_cites_paper_pages(client: httpx.Client, base_url: str) -> None:
    page = get(client, "/ask", status=401, params={"q": "what does MambaMorph propose?"})
    assert page.tags("form")[-1]["method"] == "post" and any(
        a.get("type") == "password" for a in page.tags("input")
    )
    r = client.post("/login", data={"key": "wrong", "next": "/ask"})
    assert r.status_code == 401 and "not right" in r.text and "set-cookie" not in r.headers
    r = client.post("/login", data={"key": KEY, "next": "https://evil.example/"})
    assert r.status_code == 303 and r.headers["location"] == "/ask"  # never an open redirect
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and KEY not in cookie
    with httpx.Client(base_url=base_url, timeout=60) as other:
        other.post("/login", data={"key": KEY, "next": "/ask?q=x"})
        page = get(other, "/ask", params={"q": "what does MambaMorph propose?"})
        assert page.hrefs("/paper/2401.13934?lang=en")  # [1] and the source list link to the paper page
        assert "/paper/2401.13934?lang=en" in [h for h, t in page.links if t == "[1]"]
        page = get(other, "/ask", params={"q": "MambaMorph 提出了什么方法？", "lang": "zh"})
        assert "/paper/2401.13934?lang=zh" in [h for h, t in page.links if t == "[1]"]
    assert client.post("/ask", json={"question": "nerf"}).status_code == 401  # the API's guard is unchanged


CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture
def driver() -> Iterator[Any]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip("needs Debian's chromium and chromium-driver (`make setup` installs them as root)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1200,1000",
    ):
        options.add_argument(arg)
    options.add_argument("--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1")  # offline but loopback
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield d
    finally:
        d.quit()


def test_a_reader_searches_opens_a_paper_and_asks_in_chromium(
    base_url: str, driver: Any, tmp_path: Path
) -> None:
    """Keyboard only: type in the search box, open the first result, log in, ask, follow a citation; then a
    Chinese query. PAPERLENS_WEB_SCREENSHOTS=docs saves the screenshots the README shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    shots = Path(os.environ.get("PAPERLENS_WEB_SCREENSHOTS") or tmp_path)
    wait = WebDriverWait(driver, 30)
    driver.get(f"{base_url}/?lang=en")
    box = driver.switch_to.active_element  # autofocus: the reader can type at once
    assert box.get_attribute("id") == "q"
    box.send_keys("removing waterdrops from NeRF", Keys.ENTER)
    first = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hit h3 a"))[0]
    assert (
        first.text.startswith("DerainNeRF")
        and "% match" in driver.find_element(By.CSS_SELECTOR, ".relevance").text
    )
    first.send_keys(Keys.ENTER)  # a link opens from the keyboard
    wait.until(lambda d: "/paper/2403.20013" in d.current_url)
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("DerainNeRF")
    assert driver.find_element(By.CSS_SELECTOR, ".tldr").text.startswith("TL;DR:")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".hits .hit")) == 5
    driver.set_window_size(1200, 1700)  # the summary and the similar papers in the picture too
    assert driver.save_screenshot(str(shots / "web-paper.png"))
    driver.set_window_size(1200, 1000)
    # The README's picture of results: the sample corpus's NeRF topic (not this module's hostile paper),
    # with papers that link their code among them, so the picture shows the code badge too.
    driver.get(f"{base_url}/?lang=en&q=dynamic+scenes+with+gaussian+splatting&topic=NeRF")
    assert len(driver.find_elements(By.CSS_SELECTOR, ".hit")) == 10
    assert driver.find_elements(By.CSS_SELECTOR, ".hit a.code")
    assert driver.save_screenshot(str(shots / "web.png"))
    assert all((shots / name).stat().st_size > 10_000 for name in ("web.png", "web-paper.png"))

    driver.get(f"{base_url}/ask?lang=en&q=what+does+MambaMorph+propose%3F")
    key = driver.switch_to.active_element
    assert key.get_attribute("type") == "password"
    key.send_keys(KEY, Keys.ENTER)
    cite = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".answer-text a.cite"))[0]
    assert cite.text == "[1]"
    cite.click()
    wait.until(lambda d: "/paper/2401.13934" in d.current_url)
    assert "MambaMorph" in driver.find_element(By.TAG_NAME, "h1").text

    driver.get(f"{base_url}/?lang=zh")
    driver.switch_to.active_element.send_keys("MambaMorph用了什么方法?", Keys.ENTER)
    first = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".hit h3 a"))[0]
    assert (
        first.text.startswith("MambaMorph")
        and "匹配度" in driver.find_element(By.CSS_SELECTOR, ".relevance").text
    )
    badge = driver.find_element(By.CSS_SELECTOR, ".hit a.code")  # MambaMorph links its code: a plain link
    assert badge.text == "代码" and badge.get_attribute("href") == "https://github.com/Guo-Stone/MambaMorph"
    assert (
        driver.find_element(By.CSS_SELECTOR, "details.filters").get_attribute("open") is None
    )  # none in use
    # A phone-wide window in a dark theme: the page follows the system's scheme and needs no sideways scroll.
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}
    )
    driver.set_window_size(400, 900)
    background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(21, 23, 26)", background
    assert driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
    driver.save_screenshot(str(tmp_path / "web-dark-zh.png"))
    # The login page answers 401 (the key is missing), which Chromium logs; nothing else may fail.
    severe = [e for e in driver.get_log("browser") if e["level"] == "SEVERE" and "/ask?" not in e["message"]]
    assert severe == [], severe


def test_a_model_written_summary_needs_the_key_and_a_keyless_server_needs_no_login(
    sample_dir: Path, real_embedders: tuple[Any, Any], tmp_path: Path
) -> None:
    """With a language model configured, the paper page's summary costs money: like POST /ask, it waits for
    the key (the model is not called for an anonymous reader). Without a key, nothing asks to log in."""
    from tests.helpers.openai_server import OpenAIServer

    summary = {
        "tldr": "MODEL TLDR <script>alert(1)</script>",
        "takeaways": ["one", "two", "three"],
        "analysis": {"background": "b", "prior_work": "p", "method": "m", "results": "r", "conclusion": "c"},
    }
    data = tmp_path / "data"
    shutil.copytree(sample_dir, data)
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=data, multilingual=True),
        embedder=real_embedders[0],
        multilingual_embedder=real_embedders[1],
    )
    try:
        with OpenAIServer(lambda body: json.dumps(summary)) as llm:
            model = LLMSettings(
                _env_file=None, provider="openai", base_url=llm.base_url, api_key=SecretStr("sk-t")
            )
            keyed = build_app(ix, model, ApiSettings(_env_file=None, api_key=SecretStr(KEY)))
            with LiveServer(keyed) as url, httpx.Client(base_url=url, timeout=60) as c:
                r = c.get("/paper/2401.13934")
                assert (
                    r.status_code == 200
                    and "Log in to see the summary" in r.text
                    and "MODEL TLDR" not in r.text
                )
                assert llm.requests == []
                c.post("/login", data={"key": KEY, "next": "/paper/2401.13934"})
                r = c.get("/paper/2401.13934")
                assert (
                    "MODEL TLDR &lt;script&gt;" in r.text
                    and "<script>" not in r.text
                    and len(llm.requests) == 1
                )
        open_app = build_app(ix, LLMSettings(_env_file=None), ApiSettings(_env_file=None))
        with LiveServer(open_app) as url, httpx.Client(base_url=url, timeout=60) as c:
            page = get(c, "/ask", params={"q": "what does MambaMorph propose?"})
            assert "/paper/2401.13934?lang=en" in [h for h, t in page.links if t == "[1]"]
            assert not page.hrefs("/login")
    finally:
        ix.close()
