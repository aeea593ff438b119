from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.config import IndexSettings
from index.errors import InvalidQueryError, ModelMismatchError, PaperNotFoundError
from index.models import Filters, Links, Paper
from index.paperindex import PaperIndex
from index.retrieval.vectors import CorruptIndexError, IndexParams, VectorIndex
from index.spaces.faiss_space import FaissSpace
from tests.helpers.factories import make_settings, paper
from tests.helpers.fakes import FakeEmbedder


def recs(*papers: Paper) -> list[tuple[int, Paper]]:
    return list(enumerate(papers, start=1))


CORPUS = [
    paper(
        "2403.20013",
        "DerainNeRF",
        "NeRF rain waterdrop removal",
        published=date(2024, 4, 1),
        categories=("cs.CV",),
        authors=("Yunhao Li",),
        topics=("NeRF",),
    ),
    paper(
        "2401.13934",
        "MambaMorph",
        "Mamba registration medical",
        published=date(2024, 1, 26),
        categories=("eess.IV",),
        authors=("Tao Guo",),
        topics=("medical image registration",),
    ),
    paper(
        "2404.06270",
        "Deformable Gaussian",
        "Gaussian splatting dynamic",
        published=date(2024, 4, 14),
        categories=("cs.CV",),
        authors=("Zhicheng Lu",),
        topics=("NeRF",),
    ),
    paper(
        "cvpr2020:seg",
        "Boundary segmentation",
        "medical segmentation",
        published=date(2020, 6, 14),
        authors=("Hong Joo Lee",),
    ),
]


def test_dense_ranking_is_exact_with_the_fake_embedder(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS), "t")
    hits = fake_index.search("rain", k=2, mode="dense")
    assert hits[0].paper.id == "2403.20013" and hits[0].dense_score == pytest.approx(2 / np.sqrt(5), abs=1e-5)
    assert [h.paper.id for h in fake_index.search("gaussian splatting", k=1, mode="dense")] == ["2404.06270"]


def test_bm25_and_hybrid_find_the_named_paper(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS), "t")
    assert fake_index.search("MambaMorph", k=1, mode="bm25")[0].paper.id == "2401.13934"
    assert fake_index.search("mamba registration", k=1, mode="hybrid")[0].paper.id == "2401.13934"


def test_filters(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS), "t")

    def ids(f: Filters) -> set[str]:
        return {h.paper.id for h in fake_index.search("medical nerf gaussian", k=10, filters=f)}

    assert ids(Filters(since=date(2024, 4, 1))) == {"2403.20013", "2404.06270"}
    assert ids(Filters(until=date(2023, 1, 1))) == {"cvpr2020:seg"}
    assert ids(Filters(category="eess.IV")) == {"2401.13934"}
    assert ids(Filters(topic="nerf")) == {"2403.20013", "2404.06270"}
    assert ids(Filters(author="guo")) == {"2401.13934"}
    assert ids(Filters(author="nobody")) == set()


def test_new_version_updates_row_and_vector_never_a_second_paper(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS), "t")
    v2 = CORPUS[0].model_copy(update={"version": 2, "abstract": "Gaussian splatting rain", "topics": ()})
    report = fake_index.ingest(recs(v2), "t")
    assert (report.updated, report.added) == (1, 0)
    assert fake_index.store.count() == 4
    got = fake_index.resolve("2403.20013v1")
    assert got.version == 2 and got.abstract == "Gaussian splatting rain" and got.topics == ("NeRF",)
    assert fake_index.vector_count() == 4
    # the vector moved with the text: 'gaussian' now finds it first among rain papers
    assert fake_index.search("rain gaussian", k=1, mode="dense")[0].paper.id == "2403.20013"
    old = CORPUS[0]  # an older version arriving later never downgrades
    assert fake_index.ingest(recs(old), "t").unchanged == 1
    assert fake_index.resolve("2403.20013").version == 2
    assert fake_index.check()["dense"]["agree"]


def test_rerun_embeds_nothing(settings: IndexSettings) -> None:
    emb = FakeEmbedder()
    ix = PaperIndex(settings, embedder=emb)
    ix.ingest(recs(*CORPUS), "t")
    before = emb.embedded
    r = ix.ingest(recs(*CORPUS), "t")
    assert r.unchanged == 4 and emb.embedded == before
    ix.close()


def _faiss(ix: PaperIndex) -> VectorIndex:
    """The English space's FAISS index itself, loaded (a white-box look at what the file holds)."""
    sp = ix.spaces["dense"]
    assert isinstance(sp, FaissSpace)
    sp.fresh()
    assert sp.index is not None
    return sp.index


def _reopen(settings: IndexSettings) -> tuple[PaperIndex, FakeEmbedder]:
    emb = FakeEmbedder()
    return PaperIndex(settings, embedder=emb), emb


def test_missing_index_file_is_rebuilt_from_stored_vectors(
    settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    ix.close()
    (settings.data_dir / "dense.npz").unlink()
    ix, emb = _reopen(settings)
    with caplog.at_level(logging.WARNING):
        assert ix.vector_count() == 4
    assert "missing" in caplog.text and emb.embedded == 0  # restored from the store, not re-embedded
    assert ix.search("rain", k=1, mode="dense")[0].paper.id == "2403.20013"
    ix.close()


def test_corrupt_index_file_is_detected_and_rebuilt(
    settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    ix.close()
    f = settings.data_dir / "dense.npz"
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    ix, _ = _reopen(settings)
    with caplog.at_level(logging.WARNING):
        ix.repair()
        assert ix.vector_count() == 4
    assert "damaged" in caplog.text
    assert ix.check()["dense"]["agree"]
    ix.close()


def test_stray_and_missing_vectors_are_repaired(
    settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    vi = _faiss(ix)
    vi.add([999], ["deadbeefdeadbeef"], np.ones((1, 9), np.float32) / 3)  # stray: not in the store
    vi.remove([1])  # missing: in the store, not in the index
    vi.generation = -1
    ix.save()
    ix.close()
    ix, _ = _reopen(settings)
    with caplog.at_level(logging.WARNING):
        live = _faiss(ix).live()
    assert 999 not in live and 1 in live and len(live) == 4
    assert "1 stray vectors removed" in caplog.text
    ix.close()


def test_a_search_waiting_behind_a_rebuild_reads_the_rebuilt_index(
    settings: IndexSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search queued on the lock while a writer replaces an index searches the replacement, never the
    index the writer discarded."""
    import threading

    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    sp = ix.spaces["dense"]
    query = np.ones((1, 9), np.float32) / 3
    _faiss(ix).add([999], ["deadbeefdeadbeef"], query)  # a vector only the discarded index holds
    caught_up = threading.Event()
    fresh = sp.fresh

    def fresh_then_signal() -> None:
        fresh()
        caught_up.set()

    monkeypatch.setattr(sp, "fresh", fresh_then_signal)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    with ix.spaces.lock.write():
        searcher = threading.Thread(target=lambda: found.append(ix.spaces.dense_search("dense", query, 5)))
        searcher.start()
        assert caught_up.wait(10)  # the search has caught up and now waits for the read side
        sp.rebuild()
    searcher.join(10)
    assert found and 999 not in found[0][1][0].tolist()
    ix.close()


def test_after_a_rebuild_every_space_matches_the_store_and_the_first_search_repairs_nothing(
    settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    """Re-embedding one space moves the store's generation the spaces before it recorded: the rebuild
    settles them all, so the first search does not reconcile again."""
    from tests.helpers.fakes import HashEmbedder

    ix = PaperIndex(
        settings.model_copy(update={"multilingual": True}),
        embedder=FakeEmbedder(),
        multilingual_embedder=HashEmbedder(16),  # type: ignore[arg-type]
    )
    ix.ingest(recs(*CORPUS), "t")
    ix.rebuild()
    with caplog.at_level(logging.INFO):
        ix.search("rain", k=1)
    assert "changed outside this process" not in caplog.text
    ix.close()


def test_rows_without_vectors_are_embedded_on_open(settings: IndexSettings) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    ix.store.clear_vectors()
    ix.close()
    (settings.data_dir / "dense.npz").unlink()  # nothing left to restore from: must re-embed
    ix, emb = _reopen(settings)
    assert ix.vector_count() == 4 and emb.embedded == 4
    ix.close()


def test_model_mismatch_names_rebuild(settings: IndexSettings) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    ix.close()
    other = settings.model_copy(update={"model": "/models/other"})
    with pytest.raises(ModelMismatchError, match="paperlens rebuild"):
        PaperIndex(other)


def test_rebuild_re_embeds_everything(settings: IndexSettings) -> None:
    ix, _ = _reopen(settings)
    ix.ingest(recs(*CORPUS), "t")
    ix.close()
    emb = FakeEmbedder()
    ix = PaperIndex(settings, embedder=emb, check_model=False)
    assert ix.rebuild() == 4 and emb.embedded == 4
    assert ix.check()["dense"]["agree"]
    ix.close()


def test_hnsw_index_type(tmp_path: Path) -> None:
    s = make_settings(tmp_path, index_type="hnsw")
    ix = PaperIndex(s, embedder=FakeEmbedder())
    ix.ingest(recs(*CORPUS), "t")
    assert ix.stats()["index_type"] == "hnsw"
    assert ix.search("rain", k=1, mode="dense")[0].paper.id == "2403.20013"
    ix.close()


def test_resolve_variants_and_errors(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS, paper("2404.1", "MambaOut: unrelated", "x")), "t")
    assert fake_index.resolve("https://arxiv.org/abs/2401.13934v1").id == "2401.13934"
    assert fake_index.resolve("cvpr2020:seg").id == "cvpr2020:seg"
    assert fake_index.resolve("boundary segmentaton").id == "cvpr2020:seg"  # fuzzy, with a typo
    with pytest.raises(PaperNotFoundError, match=r"2401\.99999.*looked up by id"):
        fake_index.resolve("2401.99999")
    with pytest.raises(PaperNotFoundError, match="tried"):
        fake_index.resolve("completely unrelated words here")


def test_a_large_collection_compares_a_typed_title_with_its_keyword_candidates_only(
    fake_index: PaperIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past FULL_SCAN papers, names and titles resolve as before without reading every stored title (a scan
    that grows with the collection on every lookup)."""
    from index.retrieval import resolve as resolving

    fake_index.ingest(recs(*CORPUS, paper("2404.1", "MambaOut: unrelated", "x")), "t")
    monkeypatch.setattr(resolving, "FULL_SCAN", 2)

    def every_title() -> list[tuple[int, str, str]]:
        raise AssertionError("every stored title was read")

    monkeypatch.setattr(fake_index.store, "titles", every_title)
    assert fake_index.resolve("boundary segmentaton").id == "cvpr2020:seg"  # fuzzy, with a typo
    assert fake_index.resolve("MambaOut").id == "2404.1"  # the name before the colon
    with pytest.raises(PaperNotFoundError, match="tried"):
        fake_index.resolve("completely unrelated words here")


def test_query_validation(fake_index: PaperIndex) -> None:
    fake_index.ingest(recs(*CORPUS), "t")
    with pytest.raises(InvalidQueryError, match="empty"):
        fake_index.search("   \n\t")
    long = "rain " * 5000
    assert fake_index.search(long, k=1)[0].paper.id == "2403.20013"  # truncated, not rejected
    with pytest.raises(InvalidQueryError):
        fake_index.search("rain", mode="fuzzy")  # type: ignore[arg-type]


def test_vector_file_round_trip_on_disk(tmp_path: Path) -> None:
    vi = VectorIndex(4)
    vi.add([1, 2], ["a", "b"], np.eye(4, dtype=np.float32)[:2])
    with (tmp_path / "v.npz").open("wb") as fh:
        vi.save(fh, {"model": "m"})
    with (tmp_path / "v.npz").open("rb") as fh:
        back, header = VectorIndex.load(fh, IndexParams())
    assert header["model"] == "m" and back.live() == {1: b"a", 2: b"b"}
    (tmp_path / "bad.npz").write_bytes(b"not an index")
    with pytest.raises(CorruptIndexError), (tmp_path / "bad.npz").open("rb") as fh:
        VectorIndex.load(fh, IndexParams())


def test_paper_links_and_json_shape(fake_index: PaperIndex) -> None:
    p = paper("2401.1", "T", links=Links(abs="https://arxiv.org/abs/2401.1"))
    fake_index.ingest(recs(p), "t")
    brief = fake_index.search("T", k=1)[0].brief()
    assert set(brief) >= {"id", "title", "score"} and brief["url"] == "https://arxiv.org/abs/2401.1"
