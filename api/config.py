"""HTTP API settings."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PAPERLENS_API_", env_file=".env", extra="ignore", env_ignore_empty=True
    )

    host: str = Field("127.0.0.1", description="Address `paperlens serve` listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port `paperlens serve` listens on")
    api_key: SecretStr | None = Field(
        None, description="If set, POST /ask needs the header X-API-Key with this value"
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Origins allowed by CORS (comma-separated); empty: CORS off"
    )
    max_body_bytes: int = Field(65536, ge=1024, description="Larger request bodies are refused with 413")
    max_k: int = Field(50, ge=1, le=1000, description="Largest k a search or similar request may ask for")

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        return [x.strip() for x in v.split(",") if x.strip()] if isinstance(v, str) else v
