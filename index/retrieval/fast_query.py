"""Queries embedded without torch: the ONNX export of the configured English model, in the variant this
machine's encoder choice names, once an ingest (or a rebuild) has written the export."""

from __future__ import annotations

import threading

from index.errors import ConfigError
from index.retrieval.embed import resolve_model_path
from index.retrieval.encoders import cached_choice
from index.retrieval.onnx_encoder import OnnxEncoder, Variant, load_encoder, mean_pooled


class FastQuery:
    """The ONNX query encoder of one configured model, in the variant ``dtype`` names (``auto``: this
    machine's choice, float32 until one is measured), loaded when its export is cached. Any trouble only costs speed: callers
    then embed with the model itself."""

    def __init__(self, model: str, dtype: str = "auto") -> None:
        if dtype not in ("auto", "float32", "int8"):
            raise ConfigError(f"query_dtype must be auto, float32 or int8, not {dtype!r}")
        self.model = model
        self.dtype = dtype
        self._lock = threading.Lock()
        self._encoder: OnnxEncoder | None = None
        self._tried = False

    def encoder(self) -> OnnxEncoder | None:
        """The encoder, or None when no export is cached (or it cannot be loaded)."""
        if not self._tried:
            with self._lock:
                if not self._tried:
                    self._encoder = self._load()
                    self._tried = True
        return self._encoder

    def _load(self) -> OnnxEncoder | None:
        try:
            model_dir = resolve_model_path(self.model)
        except ConfigError:
            return None
        if not mean_pooled(model_dir):
            return None
        choice = cached_choice(model_dir) if self.dtype == "auto" else None
        variant: Variant = (
            "int8" if self.dtype == "int8" else choice.queries if choice is not None else "float32"
        )
        enc = load_encoder(model_dir, self.model, variant)
        return (
            enc if enc is not None or variant == "float32" else load_encoder(model_dir, self.model, "float32")
        )

    def refresh(self) -> None:
        """Look for the export (and the choice) again at the next query: torch has just written them."""
        with self._lock:
            self._tried = False
