"""BibTeX and RIS out, checked by parsing them back with the libraries reference managers rely on."""

from __future__ import annotations

import codecs
from datetime import date

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
import rispy
from pybtex.database import parse_string

from index.bibliography import to_bibtex, to_ris, venue_of
from index.models import Links, Paper
from index.sample import sample_corpus
from index.sources.importers import records_for


def sample() -> list[Paper]:
    return [p for _, p in records_for(sample_corpus(), "jsonl") if isinstance(p, Paper)]


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


def test_ris_round_trips_every_sample_paper() -> None:
    papers = sample()
    records = rispy.loads(to_ris(papers))
    assert len(records) == len(papers)
    for p, r in zip(papers, records, strict=True):
        assert r["title"] == p.title and r["authors"] == list(p.authors) and r["id"] == p.id
        assert r["urls"] == [p.url] and r["abstract"] == p.abstract
        assert r["type_of_reference"] in {"CONF", "PREPRINT", "GEN"}
