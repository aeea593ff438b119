"""Hard to break: one bad line never costs the good ones, storage faults and bad settings get one clear line,
the BM25 cache cannot run code, filters and queries mean what they say, and answers name only their sources.
Each case here failed before its fix (issue: hard to break)."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path

import numpy as np
import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel

from index.answers.answer import Answerer, scrub_references
from index.config import IndexSettings, LLMSettings
from index.errors import ConfigError, InvalidQueryError, StorageError, explain
from index.models import Filters, Links
from index.paperindex import PaperIndex
from index.retrieval.embed import MAX_CHARS, bounded
from index.retrieval.search import prepare_query
from index.sources.importers import records_for
from index.sources.lines import MAX_LINE_BYTES
from tests.helpers.factories import make_settings, paper
from tests.helpers.fakes import FakeEmbedder

GOOD = {"title": "NeRF in the rain", "abstract": "We remove waterdrops from NeRF scenes.", "id": "2403.20013"}


def write_lines(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path


def good(i: int) -> bytes:
    return json.dumps({**GOOD, "id": f"good:{i}", "title": f"Good paper {i} on NeRF"}).encode()


def test_every_bad_line_is_reported_and_the_good_ones_land(fake_index: PaperIndex, tmp_path: Path) -> None:
    nested = b"[" * 100_000 + b"]" * 100_000
    lines = [
        good(1),
        nested,  # RecursionError in json.loads
        json.dumps({**GOOD, "id": "v1", "version": 1e309}).encode().replace(b"Infinity", b"1e309"),
        json.dumps({**GOOD, "id": "v2", "version": 10**30}).encode(),  # would overflow SQLite's INTEGER
        b'{"title": "caf\xe9", "abstract": "latin-1, not UTF-8"}',
        json.dumps({**GOOD, "id": "esc", "title": "Clear \x1b[2J\x1b]0;pwned\x07 screen"}).encode(),
        json.dumps(
            {**GOOD, "id": "long", "abstract": "word " * 20_000}
        ).encode(),  # 99,999 characters once folded
        good(2),
    ]
    report = fake_index.ingest(records_for(write_lines(tmp_path / "x.jsonl", lines), "jsonl"), "x")
    reasons = {b.line: b.reason for b in report.bad}
    assert set(reasons) == {2, 3, 4, 5, 7}, reasons
    assert "nested too deeply" in reasons[2] and "version" in reasons[3] and "out of range" in reasons[4]
    assert "not valid UTF-8" in reasons[5] and "abstract of 99,999 characters (at most 50,000)" in reasons[7]
    assert report.added == 3  # good:1, good:2 and the one whose title lost its escape codes
    title = fake_index.resolve("esc").title
    assert "\x1b" not in title and "\x07" not in title and title.startswith("Clear")


def test_a_line_far_over_the_limit_is_skipped_without_being_held(
    fake_index: PaperIndex, tmp_path: Path
) -> None:
    huge = json.dumps({**GOOD, "id": "huge", "abstract": "x" * (3 * MAX_LINE_BYTES)}).encode()
    path = write_lines(tmp_path / "big.jsonl", [good(1), huge, good(2)])
    report = fake_index.ingest(records_for(path, "jsonl"), "big")
    assert report.added == 2 and [b.line for b in report.bad] == [2]
    assert f"line of {len(huge) + 1:,} bytes" in report.bad[0].reason


def test_table_and_snapshot_rows_are_bounded_too(fake_index: PaperIndex, tmp_path: Path) -> None:
    table = tmp_path / "t.md"
    table.write_text(
        "| title | abstract |\n|---|---|\n| ok | fine abstract |\n| " + "t" * 2000 + " | abs |\n"
    )
    report = fake_index.ingest(records_for(table, "table"), "t")
    assert report.added == 1 and "title of 2,000 characters" in report.bad[0].reason
    snap = write_lines(
        tmp_path / "s.jsonl",
        [
            json.dumps(
                {"id": "2401.00001", "title": "T", "abstract": "A", "versions": [{"version": "v1e309"}]}
            ).encode(),
            json.dumps(
                {"id": "2401.00002", "title": "T", "abstract": "A", "versions": [{"version": "v2"}]}
            ).encode(),
        ],
    )
    report = fake_index.ingest(records_for(snap, "arxiv-snapshot"), "s")
    assert report.added == 1 and report.bad[0].line == 1


def test_embedders_never_see_more_than_their_window() -> None:
    assert [len(t) for t in bounded(["x" * 10_000_000, "short"])] == [MAX_CHARS, 5]


def test_zero_width_only_queries_are_refused_and_author_wildcards_are_literal(fake_index: PaperIndex) -> None:
    fake_index.ingest(
        [
            (1, paper("a:1", "NeRF one", authors=("Ann Lee",))),
            (2, paper("a:2", "NeRF two", authors=("Bo_Chen",))),
        ],
        "t",
    )
    with pytest.raises(InvalidQueryError):
        fake_index.search("\u200b\u200c\u2060\ufeff")
    assert prepare_query("rain\nNeRF\u200b\tscenes", 100) == "rain NeRF scenes"  # controls still part words
    assert fake_index.search("nerf", filters=Filters(author="%")) == []
    assert [h.paper.id for h in fake_index.search("nerf", filters=Filters(author="_"))] == ["a:2"]
    assert [h.paper.id for h in fake_index.search("nerf", filters=Filters(author="ann"))] == ["a:1"]


def test_the_bm25_cache_cannot_run_code(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d")
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    ix.ingest([(1, paper("a:1", "NeRF rain waterdrops"))], "t")
    ix.close()
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, ...]:
            return (Path.write_text, (marker, "ran"))

    (settings.data_dir / "bm25.pkl").write_bytes(pickle.dumps(Exploit()))  # the old cache's name
    with (settings.data_dir / "bm25.npz").open("wb") as fh:  # and an object array where arrays belong
        np.savez(fh, header=np.array([Exploit()], dtype=object), allow_pickle=True)
    ix = PaperIndex(settings, embedder=FakeEmbedder())
    assert [h.paper.id for h in ix.search("waterdrops", mode="bm25")] == ["a:1"]
    ix.close()
    assert not marker.exists() and not (settings.data_dir / "bm25.pkl").exists()


def test_a_server_sees_papers_another_process_added(tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "d")
    server = PaperIndex(settings, embedder=FakeEmbedder())
    server.ingest([(1, paper("a:1", "NeRF rain"))], "t")
    assert [h.paper.id for h in server.search("mamba registration", mode="dense")] == ["a:1"]
    other = PaperIndex(settings, embedder=FakeEmbedder())  # `paperlens import` while the server runs
    other.ingest([(1, paper("a:2", "Mamba registration"))], "t")
    other.close()
    assert server.search("mamba registration", mode="dense")[0].paper.id == "a:2"
    assert server.search("mamba registration", mode="hybrid")[0].paper.id == "a:2"
    st = server.stats()
    assert st["vectors"] == st["papers"] == 2  # what /healthz compares: "ok" again
    server.close()


def test_answers_name_only_their_sources(fake_index: PaperIndex, caplog: pytest.LogCaptureFixture) -> None:
    fake_index.ingest(
        [
            (
                1,
                paper(
                    "2403.20013",
                    "DerainNeRF",
                    "NeRF rain waterdrop removal.",
                    links=Links(abs="https://arxiv.org/abs/2403.20013"),
                ),
            )
        ],
        "t",
    )
    text = (
        "Waterdrops are removed [1] (https://arxiv.org/abs/2403.20013). See paper 9999.99999 "
        "(https://arxiv.org/abs/9999.99999), 【9999.99998】 and https://evil.example/x for more."
    )
    with caplog.at_level(logging.WARNING):
        ans = Answerer(
            fake_index, LLMSettings(_env_file=None), chat_model=FakeListChatModel(responses=[text])
        ).ask("rain waterdrop nerf")
    assert "9999.9999" not in ans.text and "evil.example" not in ans.text and "【" not in ans.text
    assert "https://arxiv.org/abs/2403.20013" in ans.text and "[1]" in ans.text
    assert "not among the answer's sources" in caplog.text
    p = paper("2401.00001", "X", links=Links(abs="https://arxiv.org/abs/2401.00001"))
    assert scrub_references("arXiv:2401.00001v2 and arXiv: 2401.00002", [p]) == "arXiv:2401.00001v2 and"


def test_storage_and_settings_faults_are_one_clear_sentence(tmp_path: Path) -> None:
    import errno
    import sqlite3

    from pydantic import ValidationError

    with pytest.raises(ValidationError) as bad:
        IndexSettings(_env_file=None, embed_dtype="bogus")  # type: ignore[arg-type]
    err = explain(bad.value)
    assert isinstance(err, ConfigError) and "PAPERLENS_EMBED_DTYPE" in str(err) and "'float32'" in str(err)
    full = explain(OSError(errno.ENOSPC, "No space left on device"), tmp_path)
    assert isinstance(full, StorageError) and "free some space" in str(full)
    assert "free some space" in str(explain(sqlite3.OperationalError("database or disk is full"), tmp_path))
    damaged = explain(sqlite3.DatabaseError("file is not a database"), tmp_path)
    assert isinstance(damaged, StorageError) and "Restore a backup" in str(damaged)
    assert explain(ZeroDivisionError()) is None  # a bug is not dressed up as a user error


def test_a_busy_or_unopenable_store_is_never_called_damaged(tmp_path: Path) -> None:
    """Moving papers.db aside throws the papers away: that advice is only for a file that is not a database."""
    import sqlite3

    busy = str(explain(sqlite3.OperationalError("database is locked"), tmp_path))
    assert "busy" in busy and "another PaperLens process" in busy
    unopenable = str(explain(sqlite3.OperationalError("unable to open database file"), tmp_path))
    assert "unable to open database file" in unopenable
    for message in (busy, unopenable):
        assert "damaged" not in message and "aside" not in message


def test_the_bm25_cache_round_trips_to_the_same_ranking(tmp_path: Path) -> None:
    from index.retrieval.lexical import LexicalIndex

    texts = [
        (1, "NeRF rain waterdrops removal"),
        (2, "Mamba registration of brain MRI"),
        (3, "Gaussian splatting rain"),
    ]
    lex = LexicalIndex.build([texts], generation=7)
    back = LexicalIndex.loads(lex.dumps())
    assert back.generation == 7
    for q in ("rain", "registration mamba", "gaussian splatting nerf"):
        assert back.search(q, 3) == lex.search(q, 3) and lex.search(q, 3)
    empty = LexicalIndex.loads(LexicalIndex.build([[(1, "的的")]], generation=1).dumps())
    assert empty.search("rain", 3) == []
