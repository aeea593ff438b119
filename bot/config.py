"""Bot settings: built once in bot/__main__.py and passed down."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MAX_VIEW_TIMEOUT = 840.0  # 14 minutes: the interaction token that edits the message lasts 15


class BotSettings(BaseSettings):
    """The Discord bot. The token is required: without it the bot does not start (the terminal session does)."""

    model_config = SettingsConfigDict(
        env_prefix="PAPERLENS_BOT_",
        env_file=".env",
        extra="ignore",
        populate_by_name=True,
        env_ignore_empty=True,
    )

    token: SecretStr = Field(
        validation_alias=AliasChoices("DISCORD_TOKEN", "PAPERLENS_BOT_TOKEN"),
        description="Bot token from the Discord developer portal (DISCORD_TOKEN); never logged or committed",
    )
    dev_guild: int | None = Field(
        None, description="Sync slash commands to this guild only (instant, for development)"
    )
    sync_commands: bool = Field(
        True, description="Sync the command tree at start-up (globally unless dev_guild is set)"
    )
    chat_enabled: bool = Field(
        False, description="Answer mentions and messages in chat channels (needs the Message Content intent)"
    )
    chat_channels: Annotated[list[int], NoDecode] = Field(
        default_factory=list, description="Channel ids where every message is a question (comma-separated)"
    )
    ask_rate: int = Field(3, ge=1, description="Questions one user may ask per cooldown window")
    ask_per_seconds: float = Field(60.0, gt=0, description="The cooldown window for /ask and chat answers")
    page_size: int = Field(5, ge=1, le=10, description="Search hits per page")
    shard_count: int | None = Field(
        None, ge=1, description="Total shards (default: Discord's recommendation)"
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        None, description="Shards this process runs, comma-separated (with shard_count; default: all)"
    )
    digest_check_seconds: float = Field(
        60.0, ge=5, description="How often the digest scheduler looks for due posts"
    )
    digest_max_entries: int = Field(
        25,
        ge=1,
        le=100,
        description="Most papers one digest posts (the most relevant; the header says how many more)",
    )
    preview_rate: int = Field(
        2, ge=1, description="/digest previews one member may ask for per preview window"
    )
    preview_per_seconds: float = Field(300.0, gt=0, description="The window for the /digest preview cooldown")
    workers: int = Field(
        4,
        ge=1,
        le=64,
        description="Threads for the bot's blocking work (search, answers); digests have their own",
    )
    autocomplete_seconds: float = Field(
        2.0, gt=0, le=2.8, description="Autocomplete gives up after this long (Discord waits 3 s at most)"
    )
    view_timeout_seconds: float = Field(
        600.0, gt=0, description="Search paging buttons work this long, then are disabled in the message"
    )
    shutdown_grace_seconds: float = Field(
        8.0,
        ge=0,
        le=60,
        description="On shutdown, commands still being answered get this long to finish; the rest get an "
        "apology (keep it under the process manager's kill timeout, 10 s for Docker)",
    )
    api_base_url: str | None = Field(
        None,
        description="Discord REST base URL, for a rate-limit proxy (e.g. nirn-proxy); default: Discord's own",
    )
    seed_sample: bool = Field(
        False, description="Import the bundled 40-paper sample corpus into an empty index at start-up (demos)"
    )

    @field_validator("view_timeout_seconds")
    @classmethod
    def _token_lifetime(cls, v: float) -> float:
        if v > MAX_VIEW_TIMEOUT:
            raise ValueError(
                f"PAPERLENS_BOT_VIEW_TIMEOUT_SECONDS is {v:g}, but at most {MAX_VIEW_TIMEOUT:g} s works: the "
                "buttons are disabled by editing the message through the interaction token, which Discord "
                "expires after 15 minutes"
            )
        return v

    @model_validator(mode="after")
    def _shards(self) -> BotSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError(
                "PAPERLENS_BOT_SHARD_IDS needs PAPERLENS_BOT_SHARD_COUNT: say how many shards the whole "
                "deployment runs (e.g. SHARD_COUNT=4 with SHARD_IDS=0,1 here and 2,3 in another process)"
            )
        if self.shard_ids and self.shard_count is not None:
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad:
                raise ValueError(
                    f"PAPERLENS_BOT_SHARD_IDS {bad} are outside 0..{self.shard_count - 1} "
                    f"(PAPERLENS_BOT_SHARD_COUNT is {self.shard_count})"
                )
        return self

    @field_validator("chat_channels", "shard_ids", mode="before")
    @classmethod
    def _split(cls, v: object) -> object:
        if isinstance(v, str):
            return [int(x) for x in v.replace(" ", "").split(",") if x]
        if isinstance(v, int):
            return [v]
        return v
