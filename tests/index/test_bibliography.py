"""BibTeX and RIS out, checked by parsing them back with the libraries reference managers rely on."""

from __future__ import annotations

import codecs
import shutil
import subprocess
from datetime import date
from pathlib import Path

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
import pytest
import rispy
from pybtex.database import parse_string
from rispy.config import TYPE_OF_REFERENCE_MAPPING

from index.bibliography import to_bibtex, to_ris, venue_of
from index.models import Links, Paper
from index.sample import sample_corpus
from index.sources.importers import records_for

CVPR_TABLE = Path(__file__).parents[1] / "data" / "cvpr2020_medical_zh.md"


def sample() -> list[Paper]:
    return [p for _, p in records_for(sample_corpus(), "jsonl") if isinstance(p, Paper)]


def cvpr_table() -> list[Paper]:
    """The CVPR 2020 table as `paperlens import --format table --id-prefix cvpr2020` reads it (no venue column)."""
    return [p for _, p in records_for(CVPR_TABLE, "table", "cvpr2020") if isinstance(p, Paper)]


class VenuePaper(Paper):
    """A stand-in for the model once it carries a venue (another change adds the field)."""

    venue: str | None = None


def untex(text: str) -> str:
    """A field as LaTeX would print it (braces dropped; "--" and "---", which LaTeX prints as dashes, kept)."""
    decoded = codecs.decode(text, "ulatex").replace("—", "---").replace("–", "--")
    return " ".join(decoded.replace("{", "").replace("}", "").split())


def test_bibtex_round_trips_every_sample_paper() -> None:
    papers = sample()
    bib = parse_string(to_bibtex(papers), "bibtex")
    assert len(bib.entries) == len(papers) == 40  # unique keys, none lost
    for p, (key, e) in zip(papers, bib.entries.items(), strict=True):
        assert untex(e.fields["title"]) == p.title, key
        assert [str(a) for a in e.persons.get("author", [])] == [
            f"{a.split()[-1]}, {' '.join(a.split()[:-1])}" if len(a.split()) > 1 else a for a in p.authors
        ]
        assert e.fields["year"] == str(p.published.year if p.published else "")
        assert untex(e.fields["abstract"]) == " ".join(p.abstract.replace("{", "(").replace("}", ")").split())
        assert e.fields["url"] == p.url  # a link, not LaTeX
        if p.source == "arxiv":
            assert e.fields["eprint"] == p.id and e.fields["archivePrefix"] == "arXiv"
            assert e.type == ("inproceedings" if venue_of(p) else "misc")  # "3DV 2024" is a venue
        if p.comment == "CVPR 2020":
            assert e.type == "inproceedings" and e.fields["booktitle"] == "CVPR 2020"


def test_bibtex_escapes_what_latex_would_choke_on() -> None:
    p = Paper(
        id="x:1",
        title="50% faster & {unbalanced",
        abstract="a_b # c ~ d \\ e",
        authors=("Zoë Ünal",),
        published=date(2020, 1, 1),
        published_year_only=True,
        links=Links(other=("https://doi.org/10.1000/xyz",)),
    )
    text = to_bibtex([p, p])
    bib = parse_string(text, "bibtex")
    (k1, e1), (k2, _) = bib.entries.items()
    assert k1 != k2  # the same key twice gets a suffix
    assert untex(e1.fields["title"]) == "50% faster & (unbalanced"
    assert "month" not in e1.fields and e1.fields["doi"] == "10.1000/xyz"


def test_links_are_not_latex_escaped_while_text_fields_are() -> None:
    p = Paper(
        id="x:2",
        title="Under_scores and 100% of it",
        abstract="a_b",
        links=Links(
            abs="https://openaccess.thecvf.com/content_CVPR_2020/papers/A_B_paper.pdf?x=1%202&y=#frag",
            other=("https://doi.org/10.1109/CVPR42600.2020_00001",),
        ),
    )
    e = parse_string(to_bibtex([p]), "bibtex").entries["anonunder"]
    assert e.fields["url"] == p.links.abs  # was content\_CVPR\_2020: a broken address in every tool
    assert e.fields["doi"] == "10.1109/cvpr42600.2020_00001"
    assert e.fields["title"] == "{Under\\_scores and 100\\% of it}" and e.fields["abstract"] == "a\\_b"


def test_a_brace_or_quote_in_a_link_cannot_break_the_entry() -> None:
    p = Paper(id="x:3", title="T", abstract="A", links=Links(abs='https://example.org/a{b}"c\\d'))
    e = parse_string(to_bibtex([p, p.model_copy(update={"id": "x:4"})]), "bibtex").entries
    assert len(e) == 2
    assert next(iter(e.values())).fields["url"] == "https://example.org/a%7Bb%7D%22c%5Cd"


def test_links_that_are_not_web_addresses_are_left_out() -> None:
    # A row stored before the URL policy: the model's validation is bypassed, the export still checks.
    links = Links.model_construct(abs="javascript:alert(1)", pdf=None, other=())
    p = Paper(id="x:5", title="T", abstract="A").model_copy(update={"links": links})
    assert p.url == "javascript:alert(1)"
    assert "url" not in next(iter(parse_string(to_bibtex([p]), "bibtex").entries.values())).fields
    assert "urls" not in rispy.loads(to_ris([p]))[0]


NAMES = [
    ("Xi Yang", "Yang, Xi"),
    ("Tony C.W. Mok", "Mok, Tony C.W."),  # first middle last
    ("Michael R. Lyu", "Lyu, Michael R."),
    ("Ludwig van Beethoven", "van Beethoven, Ludwig"),
    ("John Smith Jr.", "Smith, John, Jr."),
    ("王小明", "王, 小明"),  # Chinese: family name first
    ("欧阳娜娜", "欧阳, 娜娜"),  # a two-character family name
    ("Plato", "Plato"),  # a single name
    ("Smith, John", "Smith, John"),  # already family name first
]


def test_ris_authors_are_family_name_first() -> None:
    p = Paper(id="x:6", title="T", abstract="A", authors=tuple(n for n, _ in NAMES))
    assert rispy.loads(to_ris([p]))[0]["authors"] == [want for _, want in NAMES]


def test_bibtex_names_split_the_same_way() -> None:
    p = Paper(id="x:7", title="T", abstract="A", authors=("王小明", "John Smith Jr.", "Plato"))
    persons = next(iter(parse_string(to_bibtex([p]), "bibtex").entries.values())).persons["author"]
    assert [(pp.last_names, pp.first_names, pp.lineage_names) for pp in persons] == [
        (["王"], ["小明"], []),
        (["Smith"], ["John"], ["Jr."]),
        (["Plato"], [], []),
    ]


def test_ris_round_trips_every_sample_paper() -> None:
    papers = sample()
    records = rispy.loads(to_ris(papers))
    assert len(records) == len(papers)
    for p, r in zip(papers, records, strict=True):
        assert r["title"] == p.title and r["id"] == p.id
        assert [a.split(", ")[0] for a in r["authors"]] == [a.split()[-1] for a in p.authors]
        assert r["urls"] == [p.url] and r["abstract"] == p.abstract
        assert r["type_of_reference"] in TYPE_OF_REFERENCE_MAPPING  # a type reference managers know
        assert r["type_of_reference"] == ("CONF" if venue_of(p) else "UNPB")
        if r["type_of_reference"] == "CONF":
            assert r["secondary_title"] == venue_of(p)


def test_conference_table_papers_are_proceedings_papers() -> None:
    papers = cvpr_table()
    assert len(papers) == 23 and all(p.id.startswith("cvpr2020:") and not p.comment for p in papers)
    bib = parse_string(to_bibtex(papers), "bibtex")
    assert {(e.type, e.fields["booktitle"]) for e in bib.entries.values()} == {("inproceedings", "CVPR 2020")}
    records = rispy.loads(to_ris(papers))
    assert {(r["type_of_reference"], r["secondary_title"]) for r in records} == {("CONF", "CVPR 2020")}


def test_a_venue_on_the_paper_comes_first() -> None:
    p = VenuePaper(
        id="cvpr2020:x", title="T", abstract="A", comment="Accepted by ICCV 2021", venue="MIDL & Co"
    )
    e = next(iter(parse_string(to_bibtex([p]), "bibtex").entries.values()))
    assert e.type == "inproceedings" and e.fields["booktitle"] == "MIDL \\& Co"
    r = rispy.loads(to_ris([p]))[0]
    assert r["type_of_reference"] == "CONF" and r["secondary_title"] == "MIDL & Co"


@pytest.mark.parametrize(
    ("comment", "venue"),
    [
        ("Accepted by CVPR 2024. Project page: https://npucvr.github.io/GaGS/", "CVPR 2024"),
        ("IEEE Conference on Computer Vision and Pattern Recognition (CVPR), 2024", "CVPR 2024"),
        ("Visual Anomaly and Novelty Detection 2.0 Workshop at CVPR 2024", "CVPR 2024 Workshops"),
        ("Project page: https://example.org", None),
    ],
)
def test_a_venue_in_the_comment_is_the_conference_and_year(comment: str, venue: str | None) -> None:
    p = Paper(id="2404.06270", title="T", abstract="A", comment=comment, published=date(2024, 4, 9))
    assert venue_of(p) == venue


@pytest.mark.skipif(
    shutil.which("bibtex") is None, reason="TeX's bibtex is not installed (make setup installs it as root)"
)
def test_bibtex_itself_reads_the_file(tmp_path: Path) -> None:
    papers = sample() + cvpr_table()
    bib = to_bibtex(papers)
    (tmp_path / "refs.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "doc.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n", encoding="utf-8")
    out = subprocess.run(["bibtex", "doc"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error message" not in out.stdout and "Warning--" not in out.stdout, out.stdout
    bbl = (tmp_path / "doc.bbl").read_text(encoding="utf-8")
    assert bbl.count("\\bibitem") == len(papers)  # every paper is a reference
    assert (
        bbl.count("In {\\em ") == bib.count("@inproceedings{") > 0
    )  # each proceedings paper has its booktitle
