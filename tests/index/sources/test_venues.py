"""The venue sources through their real formats against loopback stand-ins of the sites: CVF open access,
OpenReview API v2, MICCAI open access and the medRxiv/bioRxiv details API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from index.config import IndexSettings
from index.errors import SourceError
from index.models import BadLine, Links, Paper
from index.paperindex import PaperIndex
from index.sources import PaperSource, Record
from index.sources.cvf import CvfSource
from index.sources.http import FetchOptions
from index.sources.miccai import MiccaiSource
from index.sources.openreview import OpenReviewSource
from index.sources.rxiv import RxivSource
from index.sources.venues import VENUES, fetch_options, onto_held, venue_source
from index.venue import recorded_venue
from tests.helpers.fakes import FakeEmbedder
from tests.helpers.venue_servers import (
    CvfPaper,
    MiccaiPaper,
    Script,
    VenueServer,
    cvf_site,
    ecva_site,
    miccai_site,
    openreview_api,
    openreview_note,
    rxiv_api,
    rxiv_record,
)

FAST = FetchOptions(delay_seconds=0, retries=2, backoff_seconds=0, timeout=2.0)
ICLR = "ICLR.cc/2024/Conference"

CVF_PAPERS = [
    CvfPaper("Smith_Gaussian_Splatting", "Gaussian Splatting for Rain", ("John Smith", "Jane Doe"),
             "We remove rain with gaussian splatting. Code: https://github.com/smith/rain-gs.", arxiv="2312.01234"),
    CvfPaper("Doe_NeRF_Registration", "NeRF Registration", ("Jane Doe",), "A radiance field registration method.",
             supp=False),
    CvfPaper("Li_Mamba_Segmentation", "Mamba Segmentation", ("Wei Li",), "A mamba for medical segmentation."),
]  # fmt: skip
OR_NOTES = [
    openreview_note("aB3dE", "Mamba for segmentation", "A mamba model.", "ICLR 2024 oral", ICLR),
    openreview_note("fG4hI", "Gaussian splatting", "Splatting scenes. https://github.com/g/s", "ICLR 2024 poster", ICLR),
    openreview_note("jK5lM", "NeRF rain", "Radiance fields in rain.", "ICLR 2024 spotlight", ICLR),
    openreview_note("nO6pQ", "Rejected idea", "Did not get in.", "Submitted to ICLR 2024", f"{ICLR}/Rejected_Submission"),
    openreview_note("rS7tU", "Withdrawn idea", "Taken back.", "ICLR 2024 Conference Withdrawn Submission",
                    f"{ICLR}/Withdrawn_Submission"),
]  # fmt: skip
MICCAI_PAPERS = [
    MiccaiPaper("0056", "Medical segmentation with mamba", ("Chen, Xiang", "Li, Wei"), "A medical mamba.",
                code="https://github.com/chen/medmamba"),
    MiccaiPaper("0123", "Registration of medical scans", ("Doe, Jane",), "Deformable registration.", doi=None),
]  # fmt: skip
RXIV = [
    rxiv_record("10.1101/2024.01.02.24300001", "CT segmentation", "Medical segmentation of CT."),
    rxiv_record("10.1101/2024.01.02.24300002", "Vaccine uptake", "A survey.", category="public and global health"),
    rxiv_record("10.1101/2024.01.02.24300001", "CT segmentation", "Medical segmentation of CT, revised.", version="2",
                day="2024-01-20", published="10.1148/radiol.2024.1"),
]  # fmt: skip


def serve(kind: str, script: Script | None = None) -> VenueServer:
    if kind == "cvf":
        return VenueServer(cvf_site("CVPR", 2024, CVF_PAPERS), script=script)
    if kind == "openreview":
        return VenueServer(api=openreview_api(OR_NOTES), script=script)
    if kind == "miccai":
        return VenueServer(miccai_site(2024, MICCAI_PAPERS), script=script)
    return VenueServer(api=rxiv_api(RXIV), script=script)


def make(kind: str, srv: VenueServer, options: FetchOptions = FAST, **kw: Any) -> PaperSource:
    name = {"cvf": "cvpr", "openreview": "iclr", "miccai": "miccai", "rxiv": "medrxiv"}[kind]
    if kind == "rxiv":
        kw.setdefault("categories", ("radiology and imaging",))
    return venue_source(name, 2024, options, base_url=srv.url, **kw)


KINDS = ["cvf", "openreview", "miccai", "rxiv"]


def papers(records: list[Record]) -> list[Paper]:
    return [r for _, r in records if isinstance(r, Paper)]


def test_cvf_listing_and_pages_become_papers_keyed_by_arxiv_id_when_linked() -> None:
    with serve("cvf") as srv:
        got = papers(list(make("cvf", srv).records()))
    assert [p.id for p in got] == [
        "2312.01234",
        "cvpr2024:doe-nerf-registration",
        "cvpr2024:li-mamba-segmentation",
    ]
    assert srv.requests[0] == "/CVPR2024?day=all"
    first = got[0]
    assert first.title == "Gaussian Splatting for Rain" and first.authors == ("John Smith", "Jane Doe")
    assert first.abstract.startswith("We remove rain") and recorded_venue(first) == "CVPR 2024"
    assert (first.venue, first.comment, first.source) == ("CVPR 2024", None, "cvf")
    assert first.links.abs == "https://arxiv.org/abs/2312.01234"
    assert (
        first.links.pdf == f"{srv.url}/content/CVPR2024/papers/Smith_Gaussian_Splatting_CVPR_2024_paper.pdf"
    )
    assert "https://github.com/smith/rain-gs" in first.links.other
    assert (
        f"{srv.url}/content/CVPR2024/supplemental/Smith_Gaussian_Splatting_CVPR_2024_supplemental.pdf"
        in first.links.other
    )
    assert got[1].links.abs == f"{srv.url}/content/CVPR2024/html/Doe_NeRF_Registration_CVPR_2024_paper.html"
    assert got[1].published == date(2024, 1, 1) and got[1].published_label == "2024"


def test_wacv_is_listed_on_one_page_without_days() -> None:
    with VenueServer(cvf_site("WACV", 2024, CVF_PAPERS[:1], by_day=False)) as srv:
        got = papers(list(venue_source("wacv", 2024, FAST, base_url=srv.url).records()))
    assert srv.requests[0] == "/WACV2024" and recorded_venue(got[0]) == "WACV 2024"


def test_a_year_without_a_page_of_all_days_is_read_day_by_day() -> None:
    site = cvf_site("CVPR", 2020, CVF_PAPERS, by_day=False)
    one, two = site["/CVPR2020"].split("<dt", 2)[1:]
    site["/CVPR2020?day=2020-06-16"] = "<dl><dt" + one + "</dl>"
    site["/CVPR2020?day=2020-06-17"] = "<dl><dt" + two
    site["/CVPR2020"] = (
        '<dd><a href="/CVPR2020?day=2020-06-16">Day 1</a></dd><dd><a href="CVPR2020?day=2020-06-17">Day 2</a></dd>'
    )
    with VenueServer(site) as srv:
        got = papers(list(venue_source("cvpr", 2020, FAST, base_url=srv.url).records()))
    assert len(got) == 3 and [p.title for p in got] == [p.title for p in CVF_PAPERS]
    assert srv.requests[:4] == [
        "/CVPR2020?day=all",
        "/CVPR2020",
        "/CVPR2020?day=2020-06-16",
        "/CVPR2020?day=2020-06-17",
    ]


def test_eccv_since_2020_comes_from_the_ecva_listing_of_every_year() -> None:
    with VenueServer(ecva_site({2024: CVF_PAPERS[1:], 2022: CVF_PAPERS[:1]})) as srv:
        got = papers(list(venue_source("eccv", 2024, FAST, base_url=srv.url).records()))
    assert [p.id for p in got] == ["eccv2024:1", "eccv2024:2"] and srv.requests[0] == "/papers.php"
    assert [p.title for p in got] == ["NeRF Registration", "Mamba Segmentation"]
    p = got[0]
    assert recorded_venue(p) == "ECCV 2024" and p.authors == ("Jane Doe",)
    assert p.links.pdf == f"{srv.url}/papers/eccv_2024/papers_ECCV/papers/00001.pdf"
    assert p.links.other == (f"{srv.url}/papers/eccv_2024/papers_ECCV/papers/00001-supp.pdf",
                             "https://doi.org/10.1007/978-3-031-00001-2024")  # fmt: skip
    assert CvfSource("eccv", 2022).listing_url == "https://www.ecva.net/papers.php"
    assert CvfSource("eccv", 2018).listing_url == "https://openaccess.thecvf.com/ECCV2018"


def test_openreview_pages_through_accepted_papers_with_their_decision() -> None:
    with serve("openreview") as srv:
        src = OpenReviewSource("iclr", 2024, base_url=srv.url, options=FAST, page_size=2)
        got = papers(list(src.records()))
    assert [p.id for p in got] == ["openreview:aB3dE", "openreview:fG4hI", "openreview:jK5lM"]
    assert [recorded_venue(p) for p in got] == [
        "ICLR 2024 (oral)",
        "ICLR 2024 (poster)",
        "ICLR 2024 (spotlight)",
    ]
    assert [r.split("offset=")[1].split("&")[0] for r in srv.requests] == ["0", "2"]
    assert "content.venueid=ICLR.cc%2F2024%2FConference&" in srv.requests[0]
    p = got[1]
    assert (
        p.links.abs == "https://openreview.net/forum?id=fG4hI"
        and p.links.pdf == "https://openreview.net/pdf/fG4hIabc.pdf"
    )
    assert p.links.other == ("https://github.com/g/s",) and p.published == date(2024, 1, 11)


def test_openreview_rejected_and_withdrawn_only_when_asked_and_without_a_venue() -> None:
    with serve("openreview") as srv:
        got = papers(list(make("openreview", srv, include=("accepted", "rejected", "withdrawn")).records()))
    extra = {p.id: p for p in got[3:]}
    assert set(extra) == {"openreview:nO6pQ", "openreview:rS7tU"}
    assert (
        recorded_venue(extra["openreview:nO6pQ"]) is None
        and extra["openreview:nO6pQ"].comment == "Submitted to ICLR 2024"
    )


def test_miccai_index_and_pages_become_papers() -> None:
    with serve("miccai") as srv:
        got = papers(list(make("miccai", srv).records()))
    assert [p.id for p in got] == ["miccai2024:paper0056", "miccai2024:paper0123"]
    p = got[0]
    assert p.title == "Medical segmentation with mamba" and p.authors == ("Xiang Chen", "Wei Li")
    assert p.abstract == "A medical mamba." and recorded_venue(p) == "MICCAI 2024"
    assert p.links.pdf == "https://papers.miccai.org/miccai-2024/paper/0056_paper.pdf"
    assert p.links.other == (
        "https://doi.org/10.1007/978-3-031-72384-1_1",
        "https://github.com/chen/medmamba",
    )
    assert got[1].links.other == () and srv.requests[0] == "/miccai-2024/"


def test_a_miccai_page_without_its_heading_or_author_line_takes_them_from_the_index() -> None:
    with serve("miccai") as srv:
        srv.pages = {k: v.replace('class="post-title"', 'class="x"').replace("<p>Author(s):", "<p>By:")
                     for k, v in srv.pages.items()}  # fmt: skip
        got = papers(list(make("miccai", srv).records()))
    assert got[0].title == "Medical segmentation with mamba" and got[0].authors == ("Xiang Chen", "Wei Li")


def test_medrxiv_filters_by_category_and_keeps_the_newest_version() -> None:
    with serve("rxiv") as srv:
        got = papers(list(make("rxiv", srv).records()))
    assert [(p.id, p.version) for p in got] == [
        ("doi:10.1101/2024.01.02.24300001", 1),
        ("doi:10.1101/2024.01.02.24300001", 2),
    ]
    v2 = got[1]
    assert v2.authors == ("J. A. Smith", "B. Doe") and v2.categories == ("radiology and imaging",)
    assert v2.links.abs == "https://www.medrxiv.org/content/10.1101/2024.01.02.24300001v2"
    assert "https://doi.org/10.1148/radiol.2024.1" in v2.links.other and v2.published == date(2024, 1, 20)
    assert srv.requests == ["/details/medrxiv/2024-01-01/2024-12-31/0"]


def test_medrxiv_pages_by_cursor_until_the_total() -> None:
    many = [rxiv_record(f"10.1101/2024.02.01.{i:08d}", f"Paper {i}", "An abstract.") for i in range(230)]
    with VenueServer(api=rxiv_api(many)) as srv:
        got = papers(
            list(
                RxivSource(
                    "medrxiv", date(2024, 2, 1), date(2024, 2, 29), base_url=srv.url, options=FAST
                ).records()
            )
        )
    assert len(got) == 230 and [r.rsplit("/", 1)[1] for r in srv.requests] == ["0", "100", "200"]


def test_an_interval_without_posts_is_no_papers() -> None:
    with VenueServer(api=rxiv_api([])) as srv:
        assert (
            list(
                RxivSource(
                    "biorxiv", date(2024, 1, 1), date(2024, 1, 2), base_url=srv.url, options=FAST
                ).records()
            )
            == []
        )


@pytest.mark.parametrize("kind", KINDS)
def test_429_then_success_waits_what_retry_after_asks(kind: str) -> None:
    with serve(
        kind, script=lambda n, path: (429, b"slow down", {"Retry-After": "1"}) if n == 1 else None
    ) as srv:
        got = papers(list(make(kind, srv).records()))
    assert got and srv.requests[0] == srv.requests[1]  # the same call again, after the wait
    assert srv.times[1] - srv.times[0] >= 0.9


@pytest.mark.parametrize("kind", KINDS)
def test_a_503_that_persists_is_a_clear_error(kind: str) -> None:
    with serve(kind, script=lambda n, path: (503, b"down")) as srv, pytest.raises(SourceError) as err:
        list(make(kind, srv).records())
    assert len(srv.requests) == FAST.retries + 1
    assert "did not answer after 3 tries (HTTP 503" in str(err.value) and "try again later" in str(err.value)


def test_a_timeout_is_retried() -> None:
    slow: Script = lambda n, path: (time.sleep(1.0), None)[1] if n == 1 else None  # noqa: E731
    with serve("openreview", script=slow) as srv:
        got = papers(
            list(
                make(
                    "openreview",
                    srv,
                    FetchOptions(delay_seconds=0, retries=2, backoff_seconds=0, timeout=0.3),
                ).records()
            )
        )
    assert len(got) == 3 and srv.requests[0] == srv.requests[1]


def test_an_unresolvable_host_fails_at_once_with_one_clear_line() -> None:
    src = venue_source(
        "iclr",
        2024,
        FetchOptions(retries=4, backoff_seconds=2.0, timeout=5.0),
        base_url="http://api2.openreview.invalid",
    )
    started = time.monotonic()
    with pytest.raises(
        SourceError, match=r"cannot be reached from this machine \(api2.openreview.invalid does not resolve"
    ):
        list(src.records())
    assert time.monotonic() - started < 1.9  # below the first retry's wait: no retry happened


def test_calls_are_spaced_by_the_delay() -> None:
    with serve("cvf") as srv:
        list(make("cvf", srv, FetchOptions(delay_seconds=0.2, retries=0, backoff_seconds=0)).records())
    gaps = [b - a for a, b in zip(srv.times, srv.times[1:], strict=False)]
    assert len(gaps) == 3 and min(gaps) >= 0.18


@pytest.mark.parametrize(
    ("kind", "break_it", "want_bad"),
    [
        ("cvf", lambda p: p.replace('id="abstract"', 'id="summary"') if "NeRF_Registration" in p else p, "cvpr2024:doe-nerf"),
        ("miccai", lambda p: p.replace('<h1 id="abstract">Abstract</h1>', "") if "0123" in p else p, "miccai2024:paper0123"),
    ],
)  # fmt: skip
def test_a_malformed_page_is_a_bad_record_for_that_paper(
    kind: str, break_it: Callable[[str], str], want_bad: str
) -> None:
    with serve(kind) as srv:
        srv.pages = {k: break_it(v) if "Paper" in k or "paper" in k else v for k, v in srv.pages.items()}
        got = list(make(kind, srv).records())
    bad = [r for _, r in got if isinstance(r, BadLine)]
    assert len(bad) == 1 and bad[0].reason.startswith(want_bad) and "abstract" in bad[0].reason
    assert len(papers(got)) == len(got) - 1


def test_a_missing_cvf_page_is_a_bad_record_not_the_end() -> None:
    with serve("cvf") as srv:
        del srv.pages["/content/CVPR2024/html/Li_Mamba_Segmentation_CVPR_2024_paper.html"]
        got = list(make("cvf", srv).records())
    bad = [r for _, r in got if isinstance(r, BadLine)]
    assert len(papers(got)) == 2 and len(bad) == 1 and "HTTP 404" in bad[0].reason and bad[0].line == 3


def test_malformed_api_records_are_bad_records() -> None:
    notes: list[Any] = [
        OR_NOTES[0],
        openreview_note("x1", "No abstract", "", "ICLR 2024 poster", ICLR),
        "junk",
    ]
    with VenueServer(api=openreview_api(notes)) as srv:
        got = list(make("openreview", srv).records())
    assert len(papers(got)) == 1 and [r.line for _, r in got if isinstance(r, BadLine)] == [2, 3]
    recs: list[Any] = [RXIV[0], {**RXIV[0], "doi": "", "title": "x"}, {**RXIV[0], "date": "yesterday"}]
    with VenueServer(api=rxiv_api(recs)) as srv:
        got = list(make("rxiv", srv).records())
    assert len(papers(got)) == 1 and len([r for _, r in got if isinstance(r, BadLine)]) == 2


def test_a_listing_without_papers_says_so() -> None:
    with (
        VenueServer({"/CVPR2024?day=all": "<html><body><dl></dl></body></html>"}) as srv,
        pytest.raises(SourceError, match=r"CVPR2024\?day=all lists no papers: check the conference and year"),
    ):
        list(venue_source("cvpr", 2024, FAST, base_url=srv.url).records())


@pytest.mark.parametrize("kind", KINDS)
def test_a_rerun_adds_nothing(kind: str, tmp_path: Path) -> None:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=tmp_path, multilingual=False), embedder=FakeEmbedder()
    )
    try:
        with serve(kind) as srv:
            first = ix.ingest(make(kind, srv, topic="Medical").records(), kind)
            second = ix.ingest(make(kind, srv, topic="Medical").records(), kind)
        assert first.added >= 1 and first.bad_count == 0
        assert second.added == 0 and second.updated == 0 and second.unchanged == first.added
        assert ix.store.count() == first.added
    finally:
        ix.close()


def test_a_rerun_with_the_held_ids_reads_no_paper_page_again(tmp_path: Path) -> None:
    ix = PaperIndex(
        IndexSettings(_env_file=None, data_dir=tmp_path, multilingual=False), embedder=FakeEmbedder()
    )
    try:
        with serve("cvf") as srv:
            ix.ingest(make("cvf", srv).records(), "cvpr")
            before = len(srv.requests)
            held = make("cvf", srv, skip=lambda pid: bool(ix.store.existing([pid])))
            report = ix.ingest(held.records(), "cvpr")
        assert before == 4 and srv.requests[before:] == ["/CVPR2024?day=all"] and report.seen == 0
    finally:
        ix.close()


def test_the_registry_names_every_venue_and_refuses_others() -> None:
    kinds = {n: type(venue_source(n, 2024, FAST)).__name__ for n in VENUES}
    assert kinds == {"cvpr": "CvfSource", "iccv": "CvfSource", "wacv": "CvfSource", "eccv": "CvfSource",
                     "iclr": "OpenReviewSource", "neurips": "OpenReviewSource", "midl": "OpenReviewSource",
                     "miccai": "MiccaiSource", "medrxiv": "RxivSource", "biorxiv": "RxivSource"}  # fmt: skip
    with pytest.raises(SourceError, match=r"Unknown venue 'acl': choose one of cvpr, iccv"):
        venue_source("acl", 2024)
    assert isinstance(venue_source("MICCAI", 2023), MiccaiSource) and isinstance(
        venue_source("Cvpr", 2023), CvfSource
    )


def test_options_come_from_the_index_settings(tmp_path: Path) -> None:
    s = IndexSettings(_env_file=None, data_dir=tmp_path, venue_retries=7, venue_backoff_seconds=0.5,
                      venue_delay_seconds=0.25, venue_timeout_seconds=9, arxiv_retries=1)  # fmt: skip
    opts = fetch_options(s)
    assert (opts.retries, opts.backoff_seconds, opts.delay_seconds, opts.timeout) == (7, 0.5, 0.25, 9)
    assert fetch_options(FAST) is FAST


def test_a_proceedings_record_of_a_held_preprint_adds_its_venue_and_links_and_keeps_the_preprint(
    tmp_path: Path,
) -> None:
    emb = FakeEmbedder()
    ix = PaperIndex(IndexSettings(_env_file=None, data_dir=tmp_path, multilingual=False), embedder=emb)
    preprint = Paper(id="2312.01234", version=2, title="Gaussian Splatting for Rain (preprint)", authors=("John Smith",),
                     abstract="Gaussian splatting removes rain.", categories=("cs.CV",), primary_category="cs.CV",
                     published=date(2023, 12, 2), comment="Accepted to CVPR 2024", source="arxiv",
                     links=Links(abs="https://arxiv.org/abs/2312.01234", pdf="https://arxiv.org/pdf/2312.01234v2"))  # fmt: skip

    def held(pid: str) -> Paper | None:
        got = ix.store.get(pid)
        return got[1] if got else None

    try:
        ix.ingest([(1, preprint)], "arxiv")
        embedded = emb.embedded
        with serve("cvf") as srv:
            first = ix.ingest(onto_held(make("cvf", srv).records(), held), "cvpr")
            second = ix.ingest(onto_held(make("cvf", srv).records(), held), "cvpr")
        p = ix.resolve("2312.01234")
        assert (first.added, first.updated, second.added, second.updated) == (2, 1, 0, 0)
        assert (p.version, p.title, p.abstract, p.categories) == (
            2,
            preprint.title,
            preprint.abstract,
            ("cs.CV",),
        )
        assert p.published == date(2023, 12, 2) and recorded_venue(p) == "CVPR 2024"
        assert (p.venue, p.comment) == ("CVPR 2024", "Accepted to CVPR 2024")
        assert p.links.pdf == "https://arxiv.org/pdf/2312.01234v2"
        assert (
            f"{srv.url}/content/CVPR2024/papers/Smith_Gaussian_Splatting_CVPR_2024_paper.pdf" in p.links.other
        )
        assert "https://github.com/smith/rain-gs" in p.links.other
        assert (
            emb.embedded == embedded + 2
        )  # the two papers without a preprint; the preprint is not embedded again
    finally:
        ix.close()
