"""The encoders of one PaperIndex, each loaded on first use and at most once: the English model (papers),
its fast query path (queries, micro-batched) and the multilingual encoder."""

from __future__ import annotations

import threading

from index.config import IndexSettings
from index.retrieval.batching import BatchingEncoder
from index.retrieval.e5 import load_multilingual, multilingual_model_name
from index.retrieval.embed import Embedder
from index.retrieval.encoders import describe_paths, document_path, load_embedder
from index.retrieval.fast_query import FastQuery


class Embedders:
    """The English and multilingual encoders, given (tests, benchmarks) or loaded from the settings."""

    def __init__(
        self, settings: IndexSettings, embedder: Embedder | None = None, multilingual: Embedder | None = None
    ) -> None:
        self.settings = settings
        self._english = embedder
        self._multi = multilingual
        self._fast = FastQuery(settings.model, settings.query_dtype) if embedder is None else None
        self._batcher = BatchingEncoder(self._query_encoder)
        self._lock = threading.Lock()  # two threads must not load a model twice

    @property
    def model_name(self) -> str:
        """The English embedding model's name (what the index was built with)."""
        return self._english.name if self._english is not None else self.settings.model

    @property
    def embedder(self) -> Embedder:
        """The English embedding model, loaded on first use."""
        if self._english is None:
            with self._lock:
                if self._english is None:
                    s = self.settings
                    self._english = load_embedder(s.model, s.embed_dtype, s.embed_batch_size)
                    if self._fast is not None:
                        self._fast.refresh()  # loading may have written the export and the choice
        return self._english

    @property
    def query_embedder(self) -> Embedder:
        """What embeds queries, micro-batched (queries arriving together are embedded together): the model's
        ONNX export when it is cached, in the variant this machine's encoder choice names (no torch
        import), else the model itself."""
        return self._batcher

    def _query_encoder(self) -> Embedder:
        fast = self._fast.encoder() if self._fast is not None else None
        return fast if fast is not None else self.embedder

    def query_path(self) -> str:
        """The query path in use: the ONNX variant's dtype, or "the model" when queries use the model."""
        return str(getattr(self._query_encoder(), "dtype", "the model"))

    @property
    def multilingual_embedder(self) -> Embedder:
        """The multilingual encoder, loaded on first use."""
        if self._multi is None:
            with self._lock:
                if self._multi is None:
                    s = self.settings
                    self._multi = load_multilingual(s.multilingual_model, s.embed_batch_size, s.embed_dtype)
        return self._multi

    @property
    def multilingual_model_name(self) -> str:
        """The multilingual space's encoder (what its vectors were made with), known without loading it."""
        if self._multi is not None:
            return self._multi.name
        return multilingual_model_name(self.settings.multilingual_model)

    @property
    def multilingual(self) -> bool:
        """Whether abstracts are also embedded in the multilingual space."""
        return bool(self.settings.multilingual)

    def describe(self) -> dict[str, object]:
        """The English model's paths on this machine (what `stats` shows)."""
        s = self.settings
        return {
            "model": self.model_name,
            "dtype": document_path(self._english) if self._english is not None else s.embed_dtype,
            "embed_dtype_setting": s.embed_dtype,
            "encoder_paths": describe_paths(self.model_name, s.embed_dtype, s.query_dtype),
        }

    def warm(self) -> None:
        """Load every encoder now (a server does this before its first request)."""
        self.embedder.encode(["warm-up"])
        if self.multilingual:
            self.multilingual_embedder.encode(["warm-up"])
