"""Bot start-up from settings, the error handler's last resort, and the API sharing the bot's index. The
command, button, chat and digest flows run through the loopback Discord in tests/test_discord_protocol.py."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest
from discord import app_commands

from bot.config import BotSettings
from bot.errors import reply_error
from index.config import IndexSettings, LLMSettings
from tests.helpers.discord_mocks import interaction

LLM = LLMSettings(_env_file=None)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_unexpected_error_is_logged_with_a_generic_reply(caplog: pytest.LogCaptureFixture) -> None:
    inter = interaction()
    run(reply_error(inter, app_commands.CommandInvokeError(MagicMock(), ZeroDivisionError("boom"))))
    assert "went wrong" in inter.response.send_message.await_args.kwargs["embed"].description
    assert "boom" in caplog.text


# ----- start-up -----
def test_bot_builds_from_env_file_loads_cogs_and_registers_commands(
    tmp_path: Path, sample_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.__main__ import build
    from bot.client import intents_for

    env = tmp_path / ".env"
    env.write_text(
        f"DISCORD_TOKEN=fake-token-123\nPAPERLENS_BOT_SYNC_COMMANDS=false\n"
        f"PAPERLENS_DATA_DIR={sample_copy}\nPAPERLENS_BOT_CHAT_ENABLED=true\n"
    )
    monkeypatch.chdir(tmp_path)

    async def start() -> Any:
        settings = BotSettings()
        assert settings.token.get_secret_value() == "fake-token-123" and "fake-token" not in repr(settings)
        bot = build(settings, IndexSettings(), LLMSettings())
        await bot._async_setup_hook()  # type: ignore[attr-defined]
        await bot.setup_hook()  # type: ignore[attr-defined]
        names = {c.qualified_name for c in bot.tree.walk_commands()}  # type: ignore[attr-defined]
        cogs = set(bot.cogs)  # type: ignore[attr-defined]
        await bot.close()  # type: ignore[attr-defined]
        return names, cogs, bot

    names, cogs, bot = run(start())
    assert cogs == {"SearchCog", "AskCog", "DigestCog", "AdminCog", "FeedCog", "ReadingCog"}
    assert names >= {
        "search",
        "paper",
        "ask",
        "similar",
        "summary",
        "topics",
        "help",
        "status",
        "digest subscribe",
        "digest unsubscribe",
        "digest list",
        "digest preview",
        "digest stats",
    }
    assert intents_for(True).message_content and not intents_for(False).message_content
    s = bot.services
    assert s.answerer.slots is s.summarizer.slots, "answers and digest summaries share one LLM limit"
    assert s.executor is not s.digest_executor and s.executor._max_workers == s.settings.workers


# ----- settings the bot cannot run with -----
def test_settings_refuse_a_view_timeout_past_the_token_and_shard_ids_without_a_count() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="at most 840 s works"):
        BotSettings(_env_file=None, token="t", view_timeout_seconds=900)
    with pytest.raises(ValidationError, match="SHARD_IDS needs PAPERLENS_BOT_SHARD_COUNT"):
        BotSettings(_env_file=None, token="t", shard_ids="0,1")
    with pytest.raises(ValidationError, match=r"\[4\] are outside 0..3"):
        BotSettings(_env_file=None, token="t", shard_ids="0,4", shard_count=4)
    ok = BotSettings(_env_file=None, token="t", shard_ids="2,3", shard_count=4, view_timeout_seconds=840)
    assert ok.shard_ids == [2, 3] and ok.view_timeout_seconds == 840
