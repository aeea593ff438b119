"""python -m bot: the Discord bot when DISCORD_TOKEN is set, else the terminal session (what `make run` runs).

Settings, logging, the index and the language model are built once here and passed down. SIGTERM and
SIGINT close the bot (and the API server, when it runs here) and then save and close the index.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from typing import Any

from pydantic import ValidationError

from bot.client import PaperLensBot
from bot.config import BotSettings
from bot.services import Services
from bot.state import Cooldowns
from cli.commands import ensure_sample
from cli.main import configure_logging
from cli.main import main as cli_main
from index.config import IndexSettings, LLMSettings
from index.errors import PaperLensError
from index.services import build_services

log = logging.getLogger("bot")


def build(settings: BotSettings, index_settings: IndexSettings, llm_settings: LLMSettings) -> PaperLensBot:
    """The bot object with its services (no network): what the start-up test builds too."""
    core = build_services(index_settings, llm_settings)
    services = Services(
        settings=settings,
        index=core.index,
        answerer=core.answerer,
        summarizer=core.summarizer,
        topics=core.topics,
        cooldowns=Cooldowns(settings.ask_rate, settings.ask_per_seconds),
        preview_cooldowns=Cooldowns(settings.preview_rate, settings.preview_per_seconds),
        llm_slots=asyncio.Semaphore(llm_settings.concurrency),
    )
    return PaperLensBot(services)


def main() -> int:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
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
    if settings.api_base_url:  # a proxy in front of Discord's REST API; the gateway URL comes from it too
        import discord.http
        from discord.webhook import async_ as webhooks

        base = settings.api_base_url.rstrip("/")
        discord.http.Route.BASE = base
        webhooks.Route.BASE = base  # type: ignore[attr-defined]  # the webhook module's own Route
    try:
        bot = build(settings, IndexSettings(), LLMSettings())
        if settings.seed_sample:  # a production index is never seeded unless asked
            ensure_sample(bot.services.index)
    except PaperLensError as e:
        print(f"paperlens: error: {e}", file=sys.stderr)
        return 2
    from api.config import ApiSettings

    asyncio.run(run(bot, settings.token.get_secret_value(), ApiSettings()))
    return 0


def api_app(bot: PaperLensBot, api: Any) -> Any:
    """The HTTP API over the bot's own services: one process, one index, loaded once."""
    from api.app import create_app

    s = bot.services
    return create_app(s.index, s.answerer, s.summarizer, s.topics, api)


async def run(bot: PaperLensBot, token: str, api: Any) -> None:
    """Run the bot (and the API when PAPERLENS_API_WITH_BOT) until closed or signalled, then shut down
    cleanly: the bot's gateway session, the API server, and a final save of the index."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    server = None
    tasks = [asyncio.create_task(bot.start(token), name="discord")]
    if api.with_bot:
        import uvicorn

        server = uvicorn.Server(uvicorn.Config(api_app(bot, api), host=api.host, port=api.port))
        tasks.append(asyncio.create_task(server.serve(), name="api"))
    waiter = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t is not waiter and t.exception() is not None:
                log.error("%s stopped: %r", t.get_name(), t.exception())
    finally:
        log.info("shutting down")
        if server is not None:
            server.should_exit = True
        await bot.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
        await asyncio.to_thread(bot.services.index.close)  # the final save
        log.info("stopped cleanly")


if __name__ == "__main__":
    sys.exit(main())
