"""Which program `paperlens run` (and `make run`) starts: the Discord bot when a token is configured, else
the terminal session. The bot is its own program (`python -m bot`): it takes this process's place, so the
command line and the bot share no code but the library."""

from __future__ import annotations

import os
import sys

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class _Token(BaseSettings):
    """Only whether a token is set, read where the bot reads it (the environment or .env)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", env_ignore_empty=True)
    token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("DISCORD_TOKEN", "PAPERLENS_BOT_TOKEN")
    )


def bot_configured() -> bool:
    """True when a Discord bot token is set in the environment or .env."""
    return _Token().token is not None


def run_bot() -> int:
    """Replace this process with the bot (signals, exit code and logs are then the bot's own)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "bot"])
    return 0  # pragma: no cover - execv does not return
