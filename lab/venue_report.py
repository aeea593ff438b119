"""The venue report: a real conference list imported as its arXiv preprints, then as its proceedings records,
through the importers and the ingest `paperlens import` uses; how many papers became one record with both
links, how many have a code link, and how many preprints stayed apart.

    python -m lab.venue_report [--data lab/data/venues/iccv2023-medical] [--seed 24] [--json]

The list (lab/data/venues/iccv2023-medical/list.jsonl, see the README beside it) names each paper's title,
CVF page, code repository and, where its maintainer found one, its arXiv id; arxiv.jsonl holds the arXiv
title and authors of those preprints where a stored copy of an arXiv page showed them. Neither gives
abstracts, so each record's abstract is a sentence naming the list entry (merging and code links do not read
it). Two runs, each in a fresh temporary data directory:

- ``unlinked``: the proceedings records keep their own ids (``iccv2023:<page name>``), as a CVF page that
  does not link its preprint gives them: one record per paper only if title and first author match.
- ``linked``: a record whose list entry names an arXiv id carries it, as a CVF page with an [arXiv] link
  does, and is laid onto the held preprint (index.sources.venues.onto_held, as `import-venue` does).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.config import IndexSettings
from index.cpu import cpu_info, cpu_line
from index.models import Paper
from index.paperindex import PaperIndex
from index.sources import Record
from index.sources.cvf import slug
from index.sources.importers import jsonl_records
from index.sources.venues import onto_held

DATA = Path(__file__).parent / "data" / "venues" / "iccv2023-medical"
VENUE = "ICCV 2023"
SAMPLE = 20


@dataclass(frozen=True)
class Entry:
    """One paper of the list, as its maintainer wrote it."""

    n: int
    title: str
    pdf: str
    arxiv: str | None
    code: tuple[str, ...]

    @property
    def page(self) -> str:
        """The CVF page of the paper (the list links its PDF)."""
        return self.pdf.replace("/papers/", "/html/").removesuffix(".pdf") + ".html"

    @property
    def own_id(self) -> str:
        """The id a CVF page without an arXiv link gives the paper."""
        return f"iccv2023:{slug(self.page, 'ICCV', 2023)}"

    @property
    def first_author(self) -> str:
        """The first author's surname: CVF names each file after it ('Schmidt_Probabilistic_...')."""
        return self.pdf.rsplit("/", 1)[-1].split("_", 1)[0]


@dataclass
class Outcome:
    """What the store holds for one list entry after a run."""

    n: int
    title: str
    arxiv: str | None
    record: str | None = None
    merged: bool = False
    separate: bool = False
    wrong: list[str] = field(default_factory=list)
    code: list[str] = field(default_factory=list)
    list_code: list[str] = field(default_factory=list)


def read_list(path: Path) -> list[Entry]:
    """The list's entries in its order."""
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        obj = json.loads(line)
        code = [f"https://github.com/{obj['github']}"] if obj.get("github") else []
        code += [obj["github_page"]] if obj.get("github_page") else []
        out.append(Entry(n, obj["title"], obj["paper_thecvf"], obj.get("paper_arxiv_id"), tuple(code)))
    return out


def stand_in(title: str) -> str:
    return f"{title}: listed under ICCV 2023 'Medical and Biological Vision; Cell Microscopy' (no abstract in the list)."


def preprints(entries: list[Entry], meta: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The arXiv records: the arXiv title and authors where found, else the list's title and no authors."""
    out = []
    for e in entries:
        if not e.arxiv:
            continue
        got = meta.get(e.arxiv, {})
        title = got.get("title") or e.title
        out.append(
            {"id": e.arxiv, "title": title, "authors": got.get("authors", []), "abstract": stand_in(title),
             "source": "arxiv"}
        )  # fmt: skip
    return out


def proceedings(entries: list[Entry], linked: bool) -> list[dict[str, Any]]:
    """The proceedings records as a CVF page gives them, with the list's code links."""
    out = []
    for e in entries:
        via_arxiv = linked and e.arxiv
        links = {
            "abs": f"https://arxiv.org/abs/{e.arxiv}" if via_arxiv else e.page,
            "pdf": e.pdf,
            "other": [*([e.page] if via_arxiv else []), *e.code],
        }
        out.append(
            {"id": e.arxiv if via_arxiv else e.own_id, "title": e.title, "authors": [e.first_author],
             "abstract": stand_in(e.title), "venue": VENUE, "published": "2023", "links": links, "source": "cvf"}
        )  # fmt: skip
    return out


def _write(path: Path, objs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs), encoding="utf-8")
    return path


def _links(p: Paper) -> tuple[str, ...]:
    return tuple(u for u in (p.links.abs, p.links.pdf, *p.links.other) if u)


def outcomes(ix: PaperIndex, entries: list[Entry]) -> list[Outcome]:
    """Each entry's record: merged (the preprint's record holds the CVF page and the venue, no second row),
    separate (a preprint and a proceedings row), or wrongly merged into another paper's record."""
    # every record a run writes has one of these ids (store.count() in the report shows nothing else was)
    ids = {e.own_id for e in entries} | {e.arxiv for e in entries if e.arxiv}
    held = {pid: got[1] for pid in ids if (got := ix.get(pid))}
    out = []
    for e in entries:
        o = Outcome(e.n, e.title, e.arxiv, list_code=list(e.code))
        pre = held.get(e.arxiv) if e.arxiv else None
        own = held.get(e.own_id)
        if pre is not None and e.page in _links(pre) and pre.venue == VENUE and own is None:
            o.record, o.merged = pre.id, True
        else:
            o.record = own.id if own else None
            o.separate = pre is not None and own is not None
        o.wrong = [p.id for p in held.values() if e.page in _links(p) and p.id not in (e.own_id, e.arxiv)]
        final = held.get(o.record) if o.record else None
        o.code = list(final.code_links) if final else []
        out.append(o)
    return out


def run(
    data: Path, linked: bool, entries: list[Entry], make: Callable[[IndexSettings], PaperIndex] = PaperIndex
) -> dict[str, Any]:
    """Import the preprints, then the proceedings, into a fresh data directory; count what became of each
    (``make`` builds the index from the settings: a test passes one with a fake embedder)."""
    meta = {
        o["id"]: o for o in map(json.loads, (data / "arxiv.jsonl").read_text(encoding="utf-8").splitlines())
    }
    with tempfile.TemporaryDirectory(prefix="paperlens-venues-") as tmp:
        settings = IndexSettings(_env_file=None, data_dir=Path(tmp) / "data", multilingual=False)
        ix = make(settings)
        try:
            first = ix.ingest(
                jsonl_records(_write(Path(tmp) / "arxiv.jsonl", preprints(entries, meta)), "arxiv"), "arxiv"
            )

            def held(pid: str) -> Paper | None:
                got = ix.get(pid)
                return got[1] if got else None

            records: Iterator[Record] = onto_held(
                jsonl_records(_write(Path(tmp) / "iccv.jsonl", proceedings(entries, linked)), "cvf"), held
            )
            second = ix.ingest(records, "iccv2023")
            again = ix.ingest(onto_held(jsonl_records(Path(tmp) / "iccv.jsonl", "cvf"), held), "iccv2023")
            rows = outcomes(ix, entries)
            total = ix.count()
        finally:
            ix.close()
    return {
        "mode": "linked" if linked else "unlinked",
        "papers": len(entries),
        "with_arxiv_in_list": sum(1 for e in entries if e.arxiv),
        "arxiv_metadata_found": sum(1 for e in entries if e.arxiv in meta),
        "merged": sum(o.merged for o in rows),
        "preprints_separate": sum(o.separate for o in rows),
        "wrong_merges": sum(bool(o.wrong) for o in rows),
        "with_code": sum(bool(o.code) for o in rows),
        "list_with_code": sum(bool(e.code) for e in entries),
        "records_held": total,
        "ingest": [first.summary(), second.summary(), again.summary()],
        "rows": [asdict(o) for o in rows],
    }


def sample(n: int, seed: int) -> list[int]:
    """The 1-based list positions of the hand-checked sample, in list order."""
    return sorted(random.Random(seed).sample(range(1, n + 1), min(SAMPLE, n)))


def _table(result: dict[str, Any], picked: list[int]) -> list[str]:
    lines = [
        "| # | title | list arXiv id | decision | code link kept | list's code |",
        "|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        if row["n"] not in picked:
            continue
        what = (
            "merged"
            if row["merged"]
            else "separate"
            if row["separate"]
            else "no preprint"
            if not row["arxiv"]
            else "?"
        )
        what += f" (also into {', '.join(row['wrong'])})" if row["wrong"] else ""
        lines.append(
            f"| {row['n']} | {row['title'][:60]} | {row['arxiv'] or '-'} | {what} | "
            f"{' '.join(row['code']) or '-'} | {' '.join(row['list_code']) or '-'} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m lab.venue_report", description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default=str(DATA), help="the folder with list.jsonl and arxiv.jsonl")
    p.add_argument("--seed", type=int, default=24, help="the seed that picks the hand-checked sample")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    a = p.parse_args(argv)
    data = Path(a.data)
    if not (data / "list.jsonl").is_file() or not (data / "arxiv.jsonl").is_file():
        print(f"venue_report: error: {data} needs list.jsonl and arxiv.jsonl", file=sys.stderr)
        return 2
    entries = read_list(data / "list.jsonl")
    results = [run(data, linked, entries) for linked in (False, True)]
    picked = sample(len(entries), a.seed)
    cpu = cpu_info().as_dict()
    if a.json:
        print(json.dumps({"sample": picked, "seed": a.seed, "cpu": cpu, "runs": results}, ensure_ascii=False))
        return 0
    print(f"CPU: {cpu_line(cpu)}")
    for r in results:
        print(
            f"{r['mode']}: {r['papers']} papers, {r['with_arxiv_in_list']} with an arXiv id in the list "
            f"({r['arxiv_metadata_found']} with arXiv metadata found); merged {r['merged']}, preprints separate "
            f"{r['preprints_separate']}, wrong merges {r['wrong_merges']}; code links {r['with_code']} "
            f"(the list names code for {r['list_with_code']}); {r['records_held']} records held"
        )
        for s in r["ingest"]:
            print(f"  {s}")
    print(f"\nsample (seed {a.seed}): {picked}")
    print("\n".join(_table(results[0], picked)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
