"""python -m bot: the Discord bot when DISCORD_TOKEN is set, else the terminal session (what `make run` runs).

Settings, logging, the index and the language model are built once here and passed down.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from pydantic import ValidationError

from index.cli import configure_logging, ensure_sample
from index.cli import main as cli_main
from index.config import IndexSettings, LLMSettings
from index.errors import PaperLensError

log = logging.getLogger("bot")


def build(settings: object, index_settings: IndexSettings, llm_settings: LLMSettings) -> object:
    """The bot object with its services (no network): what the start-up test builds too."""
    import asyncio

    from bot.client import PaperLensBot
    from bot.config import BotSettings
    from bot.services import Services
    from bot.state import Cooldowns
    from index.answer import Answerer
    from index.paperindex import PaperIndex
    from index.summarize import Summarizer
    from index.topics import load_topics

    assert isinstance(settings, BotSettings)
    index = PaperIndex(index_settings)
    answerer = Answerer(index, llm_settings)
    summarizer = Summarizer(index, llm_settings, chat_model=answerer.model)
    services = Services(
        settings=settings,
        index=index,
        answerer=answerer,
        summarizer=summarizer,
        topics=load_topics(index_settings.topics_file),
        cooldowns=Cooldowns(settings.ask_rate, settings.ask_per_seconds),
        llm_slots=asyncio.Semaphore(llm_settings.concurrency),
    )
    return PaperLensBot(services)


def main() -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from bot.config import BotSettings

    try:
        settings = BotSettings()
    except ValidationError as e:
        if all(err["type"] == "missing" for err in e.errors()):
            # No token: the terminal session, as `make run` promises.
            print(
                "DISCORD_TOKEN is not set: starting the terminal session (README: Add the bot to your server).",
                file=sys.stderr,
            )
            return cli_main(["run"])
        print(
            f"paperlens: error: bot settings: {e.errors()[0]['loc']}: {e.errors()[0]['msg']}", file=sys.stderr
        )
        return 2
    configure_logging(verbose=True)
    try:
        index_settings, llm_settings = IndexSettings(), LLMSettings()
        bot = build(settings, index_settings, llm_settings)
        ensure_sample(bot.services.index)  # type: ignore[attr-defined]
    except PaperLensError as e:
        print(f"paperlens: error: {e}", file=sys.stderr)
        return 2
    from api.config import ApiSettings

    api = ApiSettings()
    if not api.with_bot:
        # discord.py's own handler setup is skipped: logging is configured above, tokens are never logged.
        bot.run(settings.token.get_secret_value(), log_handler=None)  # type: ignore[attr-defined]
        return 0
    asyncio.run(run_with_api(bot, settings.token.get_secret_value(), api))
    return 0


def api_app(bot: object, api: object) -> object:
    """The HTTP API over the bot's own services: one process, one index, loaded once."""
    from api.app import create_app

    s = bot.services  # type: ignore[attr-defined]
    return create_app(s.index, s.answerer, s.summarizer, s.topics, api)  # type: ignore[arg-type]


async def run_with_api(bot: object, token: str, api: object) -> None:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(api_app(bot, api), host=api.host, port=api.port))  # type: ignore[attr-defined]
    async with bot:  # type: ignore[attr-defined]
        await asyncio.gather(bot.start(token), server.serve())  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
