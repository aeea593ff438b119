"""Venue and code-link extraction (index/venue.py): what arXiv records really say, table by table."""

from __future__ import annotations

import pytest

from index.models import Paper
from index.venue import code_links, recorded_venue, venue_from, with_venue

ACCEPTED = [
    ("Accepted to CVPR 2024", "CVPR 2024"),
    ("MICCAI 2023 (early accept)", "MICCAI 2023"),
    ("Published in IEEE TMI", "IEEE TMI"),
    ("NeurIPS 2023 camera ready", "NeurIPS 2023"),
    ("CVPR2024 Highlight. Project page: https://x.github.io/y", "CVPR 2024"),
    ("ICCV'23 oral", "ICCV 2023"),
    ("Accepted at ICLR 2024 as a spotlight", "ICLR 2024"),
    ("Accepted as an oral paper at ECCV 2024", "ECCV 2024"),
    ("To appear in the Proceedings of MICCAI 2024", "MICCAI 2024"),
    ("Accepted to NIPS 2017", "NeurIPS 2017"),
    ("MICCAI-2024, 10 pages", "MICCAI 2024"),
    ("Accepted at CVPR 2024 Workshop on Medical Vision", "CVPR 2024 Workshops"),
    ("12 pages, 5 figures. Accepted by Medical Image Analysis", "Medical Image Analysis"),
    ("Accepted for publication in Radiology: Artificial Intelligence", "Radiology: Artificial Intelligence"),
    ("Accepted by IEEE Transactions on Medical Imaging (TMI)", "IEEE Transactions on Medical Imaging"),
    ("Published at WACV 2025. 8 pages", "WACV 2025"),
    ("accepted by miccai 2022", "MICCAI 2022"),
    ("Accepted to CVPR", "CVPR"),
]
NO_VENUE = [
    None,
    "",
    "10 pages, 4 figures",
    "Submitted to CVPR 2024",
    "Under review at ICLR 2025",
    "Work submitted to MICCAI 2024; code at github.com/a/b",
    "Extended version of our CVPR 2023 paper",
    "This paper is the extended version of our MICCAI 2022 paper, submitted to MedIA",
    "The code is published on GitHub",
    "Code will be published at https://github.com/a/b",
    "accepted",
    "Preprint under review",
    "In submission to NeurIPS 2024",
    "ACL tear segmentation in knee MRI, 9 pages",
    "We compare with the MIDL baselines",
]


@pytest.mark.parametrize(("comment", "venue"), ACCEPTED)
def test_a_comment_that_says_where_the_paper_is_names_the_venue(comment: str, venue: str) -> None:
    assert venue_from(None, comment) == venue


@pytest.mark.parametrize("comment", NO_VENUE)
def test_a_comment_that_only_hopes_names_no_venue(comment: str | None) -> None:
    assert venue_from(None, comment) is None


def test_a_clause_under_review_does_not_hide_an_accepted_one() -> None:
    assert (
        venue_from(None, "Accepted to MICCAI 2024. A journal version is under review at MedIA")
        == "MICCAI 2024"
    )
    assert (
        venue_from(None, "An earlier version was submitted to ICLR 2023; accepted to CVPR 2024")
        == "CVPR 2024"
    )


@pytest.mark.parametrize(
    ("journal_ref", "venue"),
    [
        ("CVPR 2023", "CVPR 2023"),
        ("Proceedings of the IEEE/CVF ICCV 2023, pp. 1-10", "ICCV 2023"),
        (
            "IEEE Transactions on Medical Imaging, 43(2), 2024",
            "IEEE Transactions on Medical Imaging, 43(2), 2024",
        ),
        ("  Medical Image Analysis\n 91 (2024) 103000 ", "Medical Image Analysis 91 (2024) 103000"),
    ],
)
def test_the_journal_reference_comes_first(journal_ref: str, venue: str) -> None:
    assert venue_from(journal_ref, "Submitted to NeurIPS 2024") == venue


CODE = [
    ("Code: https://github.com/foo/bar.", ["https://github.com/foo/bar"]),
    ("see (https://github.com/foo/bar)", ["https://github.com/foo/bar"]),
    ("available at https://github.com/foo/bar/tree/main).", ["https://github.com/foo/bar/tree/main"]),
    ("Project page: https://foo.example.com/proj/.", ["https://foo.example.com/proj/"]),
    ("Project website: http://lab.example.org/nerf;", ["http://lab.example.org/nerf"]),
    ("code is available at https://mysite.org/code!", ["https://mysite.org/code"]),
    (
        "github.com/a/b, and https://huggingface.co/x/y;",
        ["https://github.com/a/b", "https://huggingface.co/x/y"],
    ),
    (
        "at https://gitlab.com/g/p and https://bitbucket.org/t/r.",
        ["https://gitlab.com/g/p", "https://bitbucket.org/t/r"],
    ),
    ("demo at https://someone.github.io/proj/,", ["https://someone.github.io/proj/"]),
    ("https://github.com/a/b https://github.com/a/b.", ["https://github.com/a/b"]),
    ("https://github.com/a/b_(c)", ["https://github.com/a/b_%28c%29"]),
    ("“https://github.com/a/b”", ["https://github.com/a/b"]),
    ("https://arxiv.org/abs/2401.00001 and https://doi.org/10.1/x", []),
    ("We thank https://www.example.com for hosting.", []),
    ("Visit https://github.com/ for more.", []),
    ("javascript:alert(1) https://github.com/a/b<script>", ["https://github.com/a/b"]),
    ("https://user@github.com/a/b", []),
    (None, []),
]


@pytest.mark.parametrize(("text", "links"), CODE)
def test_code_links_are_found_trimmed_and_safe(text: str | None, links: list[str]) -> None:
    assert code_links(text) == links


def test_the_venue_is_recorded_in_its_field_and_read_back() -> None:
    p = Paper(id="x", title="T", abstract="A", comment="8 pages")
    with_cvpr = with_venue(p, "CVPR 2024")
    assert (with_cvpr.venue, with_cvpr.comment, recorded_venue(with_cvpr)) == (
        "CVPR 2024",
        "8 pages",
        "CVPR 2024",
    )
    assert with_venue(with_cvpr, "ICCV 2023").venue == "ICCV 2023"
    assert with_venue(with_cvpr, "CVPR 2024") is with_cvpr and with_venue(p, None) is p
    assert recorded_venue(p) is None
    bare = with_venue(Paper(id="y", title="T", abstract="A"), "IEEE Trans. Med. Imaging")
    assert recorded_venue(bare) == "IEEE Trans. Med. Imaging" and bare.comment is None


def test_a_venue_an_earlier_version_wrote_into_the_comment_is_still_read() -> None:
    old = Paper(id="x", title="T", abstract="A", comment="Venue: MICCAI 2023 | 8 pages")
    assert recorded_venue(old) == "MICCAI 2023"
    moved = with_venue(old, "MICCAI 2023")
    assert (moved.venue, moved.comment) == ("MICCAI 2023", "8 pages")


def test_the_bibliography_reads_the_recorded_venue() -> None:
    """BibTeX's booktitle is the recorded venue."""
    from index.bibliography import venue_of

    p = with_venue(Paper(id="openreview:abc", title="T", abstract="A"), "MICCAI 2024")
    assert venue_of(p) == "MICCAI 2024"


def test_onto_held_passes_new_records_and_bad_lines_unchanged() -> None:
    from index.models import BadLine, Links
    from index.sources.venues import onto_held

    held = Paper(
        id="2401.00001",
        title="Held",
        abstract="Held text",
        topics=("A",),
        links=Links(abs="https://arxiv.org/abs/2401.00001"),
    )
    new = with_venue(Paper(id="cvpr2024:new", title="New", abstract="N"), "CVPR 2024")
    again = with_venue(Paper(id="2401.00001", title="Page title", abstract="Page text", topics=("B",),
                             links=Links(abs="https://arxiv.org/abs/2401.00001", pdf="https://cvf.example/p.pdf")), "CVPR 2024")  # fmt: skip
    bad = BadLine(line=3, reason="no abstract")
    got = list(onto_held([(1, new), (2, again), (3, bad)], {"2401.00001": held}.get))
    assert got[0] == (1, new) and got[2] == (3, bad)
    merged = got[1][1]
    assert isinstance(merged, Paper)
    assert (merged.title, merged.abstract, merged.topics) == ("Held", "Held text", ("A", "B"))
    assert merged.links.other == ("https://cvf.example/p.pdf",) and recorded_venue(merged) == "CVPR 2024"
