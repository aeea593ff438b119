"""What operators and monitors read: /healthz (store and index agree) and /metrics (Prometheus)."""

from typing import Literal

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel

from api.metrics import Metrics
from index.paperindex import PaperIndex


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    papers: int
    vectors: int
    index_agrees_with_store: bool
    model: str
    index_type: str


def ops_router(index: PaperIndex, metrics: Metrics) -> APIRouter:
    """/healthz and /metrics."""
    app = APIRouter()

    @app.get("/healthz", response_model=Health)
    def healthz() -> Health:
        """Store and index state."""
        st = index.stats()
        agrees = st["vectors"] == st["papers"]
        return Health(
            status="ok" if agrees else "degraded",
            papers=st["papers"],
            vectors=st["vectors"],
            index_agrees_with_store=agrees,
            model=st["model"],
            index_type=st["index_type"],
        )

    @app.get("/metrics", response_class=PlainTextResponse)
    def prometheus() -> Response:
        """Request counts and latencies (Prometheus text format)."""
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app
