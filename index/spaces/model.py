"""What one embedding space is (its store column, its file, its encoder), the vectors of papers in it, and
the space's stored vectors: recording which encoder made them, their width, embedding what is missing.

Both implementations of a vector space (:mod:`index.spaces.faiss_space`, :mod:`index.spaces.pg_space`) keep
their vectors in the store beside the metadata; this is the part they share.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from index.models import Paper
from index.retrieval.e5 import USE_NAME
from index.retrieval.embed import Embedder
from index.storage import PaperStore

log = logging.getLogger(__name__)

BATCH = 256  # papers embedded and committed together
TITLE_WEIGHT = (
    0.5  # the title's share of a multilingual vector, beside the abstract's (chosen on a dev split)
)

Add = Callable[[list[int], list[str], np.ndarray], None]


@dataclass(frozen=True)
class SpaceModel:
    """One embedding space: its name, its column in the store, its file, its encoder (loaded on first use)
    and the encoder's name (known without loading it)."""

    name: str
    column: str
    filename: str
    embedder: Callable[[], Embedder]
    model_name: Callable[[], str]

    @property
    def multilingual(self) -> bool:
        return self.column != "vector"


def space_vectors(emb: Embedder, papers: list[Paper], *, multilingual: bool) -> np.ndarray:
    """A space's vectors of papers: title and abstract. A multilingual vector also takes the title alone
    (a question in another language often names what the title says, which one abstract-long vector
    dilutes) and, where the paper has one, its Chinese abstract: the renormalised sum, so a Chinese question
    finds the paper through either wording. The English space embeds title and abstract only. One encoder
    call per batch: its texts sort and pad together."""
    if not multilingual or not papers:
        return emb.encode([p.embed_text() for p in papers])
    zh = [i for i, p in enumerate(papers) if p.abstract_zh]
    texts = [p.embed_text() for p in papers] + [p.title for p in papers]
    texts += [f"{papers[i].title}. {papers[i].abstract_zh}" for i in zh]
    out = emb.encode(texts)
    n = len(papers)
    vecs = out[:n] + TITLE_WEIGHT * out[n : 2 * n]
    vecs[zh] += out[2 * n :]
    return np.asarray(vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12), dtype=np.float32)


class StoredVectors:
    """A space's vectors as the store holds them (the source of truth its index is derived from)."""

    def __init__(self, store: PaperStore, model: SpaceModel) -> None:
        self.store, self.model = store, model

    def adopt_model(self) -> None:
        """A space whose stored vectors come from another encoder than the configured one (the multilingual
        encoder changed) is emptied and re-embedded: vectors of two models never share an index. Stores
        from before the model was recorded hold USE multilingual v3 vectors."""
        m = self.model
        if not m.multilingual:
            return
        key, want = f"model_{m.column}", m.model_name()
        had = self.store.get_meta(key) or (USE_NAME if self.store.get_meta(f"dim_{m.column}") else None)
        if had != want and had is not None:
            log.warning(
                "the %s space holds %s vectors; re-embedding its %d papers with %s (once)",
                m.column,
                had,
                self.store.count(),
                want,
            )
            self.store.clear_vectors(m.column)
            self.store.remove_file(m.filename)
            self.store.set_meta(f"dim_{m.column}", str(m.embedder().dim))
        if self.store.get_meta(key) != want:
            self.store.set_meta(key, want)

    def dim(self) -> int:
        """The space's vector width: recorded in the store, else the encoder's (then recorded)."""
        recorded = self.store.get_meta(f"dim_{self.model.column}")
        if recorded:
            return int(recorded)
        dim = self.model.embedder().dim
        self.store.set_meta(f"dim_{self.model.column}", str(dim))
        return dim

    def reset(self) -> None:
        """Forget the recorded width (a rebuild records the configured encoder's)."""
        self.store.set_meta(f"dim_{self.model.column}", str(self.model.embedder().dim))

    def embed_missing(self, rowids: set[int], add: Add | None = None) -> int:
        """Embed the rows among ``rowids`` that have no stored vector in this space; store them (and hand
        them to ``add``, an index being built). Returns how many were embedded."""
        m = self.model
        todo = [(r, h, t) for r, h, t in self.store.missing_vectors(m.column) if r in rowids]
        if todo:
            log.info("embedding %d papers that have no %s vector yet", len(todo), m.column)
            emb = m.embedder()
            for i in range(0, len(todo), BATCH):
                chunk = todo[i : i + BATCH]
                if not m.multilingual:
                    vecs = emb.encode([t for _, _, t in chunk])
                else:  # the multilingual vector reads more of the paper than its text (see space_vectors)
                    held = self.store.get_by_rowids([r for r, _, _ in chunk])
                    chunk = [c for c in chunk if c[0] in held]
                    vecs = space_vectors(emb, [held[r] for r, _, _ in chunk], multilingual=True)
                self.store.set_vectors(
                    (r, h, v, None) if not m.multilingual else (r, h, None, v)
                    for (r, h, _), v in zip(chunk, vecs, strict=True)
                )
                if add is not None:
                    add([r for r, _, _ in chunk], [h for _, h, _ in chunk], vecs)
        return len(todo)

    def of(self, rowids: Sequence[int], dim: int) -> dict[int, np.ndarray]:
        """Stored vectors of rows (an ivf index re-scores its candidates with them)."""
        return self.store.vectors(self.model.column, rowids, dim)
