"""Every error the API returns is ``{"error": "..."}`` with a message fit for users: a paper that is not
held is a 404, any other PaperLens error (bad input, a refused request) a 400, a malformed request a 422
that names the field, and HTTP errors keep their status and headers."""

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from index.errors import PaperLensError, PaperNotFoundError


def install_error_handlers(app: FastAPI) -> None:
    """Answer errors as ``{"error": ...}`` with the status each kind of error deserves."""

    @app.exception_handler(PaperNotFoundError)
    async def _not_found(request: Request, exc: PaperNotFoundError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 404)

    @app.exception_handler(PaperLensError)
    async def _user_error(request: Request, exc: PaperLensError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, 400)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for e in exc.errors():
            where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "request"
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
        return JSONResponse({"error": "; ".join(parts) or "invalid request"}, 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            {"error": str(exc.detail)}, exc.status_code, headers=getattr(exc, "headers", None)
        )
