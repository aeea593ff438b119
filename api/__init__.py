"""PaperLens's HTTP API (FastAPI) over index/: search, papers, similar, ask, digests, health, metrics."""
