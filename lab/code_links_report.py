"""Code links on real abstracts: a JSONL list of papers read through `paperlens import`'s parser, and for
each paper whether it has code (``Paper.has_code``) and which links were found, beside every web address its
abstract writes, so a reader can judge each paper by eye.

    python -m lab.code_links_report [--papers lab/data/feed/papers.jsonl] [--seed 25] [--sample 20] [--json]

The default list is the 192 MICCAI 2025 abstracts of lab/data/feed (see its README): a conference whose
authors often end the abstract with where the code is. "Addresses" are what a reader would call a link in
the text (``http(s)://``, ``www.``, or a bare ``github.com/...``). The report counts papers whose abstract
writes one but has no code link (a missed link, or an address that is no code: judged by hand) and code links
that are not among the written addresses (invented). Neither count decides what is code; the printed sample
is for the hand check.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

from index.models import Paper
from index.sources.importers import jsonl_records

PAPERS = Path(__file__).parent / "data" / "feed" / "papers.jsonl"
# A web address as a reader sees one in prose or in LaTeX's \url{...}; trailing punctuation is stripped later.
_ADDRESS = re.compile(r"(?:https?://|www\.|(?<![\w./@-])(?:github|gitlab)\.com/)[^\s<>\"'{}|\\]+", re.I)


@dataclass
class Row:
    id: str
    title: str
    addresses: list[str]
    code_links: list[str]


@dataclass
class Report:
    papers: int
    writing_an_address: int
    with_code: int
    address_without_code: list[str]
    invented: list[str]
    hosts: dict[str, int]


def _bare(url: str) -> str:
    """An address without scheme, 'www.', trailing punctuation or slash, lower-cased, for comparison."""
    url = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip(), flags=re.I)
    return url.rstrip(".,;:!?)]'\"/").lower()


def rows(path: Path) -> list[Row]:
    """Each paper the parser accepts, with the addresses its abstract writes and the code links it has."""
    out = []
    for _, rec in jsonl_records(path):
        if not isinstance(rec, Paper):
            continue  # a line the parser refused (a BadLine): not a paper
        out.append(
            Row(
                id=rec.id,
                title=rec.title,
                addresses=_ADDRESS.findall(rec.abstract),
                code_links=list(rec.code_links),
            )
        )
    return out


def report(found: list[Row]) -> Report:
    address_without_code = [r.id for r in found if r.addresses and not r.code_links]
    invented = [
        f"{r.id}: {u}"
        for r in found
        for u in r.code_links
        if not any(_bare(u) == _bare(a) for a in r.addresses)
    ]
    hosts = Counter(
        "*.github.io" if ".github.io" in h else h
        for r in found
        for h in (_bare(u).split("/", 1)[0] for u in r.code_links)
    )
    return Report(
        papers=len(found),
        writing_an_address=sum(1 for r in found if r.addresses),
        with_code=sum(1 for r in found if r.code_links),
        address_without_code=address_without_code,
        invented=invented,
        hosts=dict(hosts.most_common()),
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lab.code_links_report", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--papers", type=Path, default=PAPERS, help="a JSONL list of papers (default: %(default)s)"
    )
    p.add_argument("--seed", type=int, default=25, help="the hand-check sample's seed (default: %(default)s)")
    p.add_argument("--sample", type=int, default=20, help="papers in the sample (default: %(default)s)")
    p.add_argument("--json", action="store_true", help="every row and the counts as JSON")
    a = p.parse_args(argv)
    if not a.papers.is_file():
        p.error(f"no such file: {a.papers}")
    found = rows(a.papers)
    rep = report(found)
    if a.json:
        print(json.dumps({"report": asdict(rep), "rows": [asdict(r) for r in found]}, ensure_ascii=False))
        return 0
    print(f"papers: {rep.papers}")
    print(f"abstracts writing a web address: {rep.writing_an_address}")
    print(f"papers with code links: {rep.with_code}  hosts: {rep.hosts}")
    print(
        "an address written but no code link (a missed link, or an address that is no code): "
        f"{len(rep.address_without_code)} {rep.address_without_code}"
    )
    print(f"invented (a code link the abstract does not write): {len(rep.invented)} {rep.invented}")
    picks = sorted(random.Random(a.seed).sample(range(len(found)), min(a.sample, len(found))))
    print(f"\nhand-check sample (seed {a.seed}): row, id, title; addresses written -> code links found")
    for i in picks:
        r = found[i]
        print(f"{i:4d} {r.id} {r.title[:70]}\n       {r.addresses} -> {r.code_links}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
