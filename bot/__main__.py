"""python -m bot: the Discord bot (what `paperlens run` and `make run` start when a token is configured).

Settings, logging, the index and the language model are built once here and passed down. SIGTERM and
SIGINT close the bot and then save and close the index. The HTTP API is its own program (`paperlens serve`):
run it beside the bot over the same data directory.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

from pydantic import ValidationError

from bot.client import PaperLensBot
from bot.config import BotSettings
from bot.services import Services
from bot.state import Cooldowns
from index.config import IndexSettings, LLMSettings
from index.errors import PaperLensError
from index.logs import configure_logging
from index.sample import ensure_sample
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
            print(
                "paperlens: error: DISCORD_TOKEN is not set: the bot cannot log in (README: Add the bot to your "
                "server). `paperlens run` starts the terminal session without it.",
                file=sys.stderr,
            )
            return 2
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
    return asyncio.run(run(bot, settings.token.get_secret_value()))


def advice(error: BaseException) -> str:
    """What to do about the error that ended the bot's connection to Discord."""
    import aiohttp
    import discord

    if isinstance(error, discord.LoginFailure):
        return "Discord refused the token: copy the bot token again from the developer portal into DISCORD_TOKEN."
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return (
            "Discord refused a privileged intent: enable Message Content in the developer portal (Bot tab), "
            "or set PAPERLENS_BOT_MESSAGE_CONTENT=false."
        )
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ClientConnectionError | OSError):
        return "Discord could not be reached: check this machine's network, DNS and proxy settings."
    return "See the error above; the service manager restarts the bot if it is set to."


async def run(bot: PaperLensBot, token: str) -> int:
    """Run the bot until closed or signalled, then shut down cleanly: the bot's gateway session and a
    final save of the index. The exit code is 0 only for a requested stop (SIGTERM, SIGINT): a bot that
    cannot log in or loses Discord for good exits 1, so a service manager sees the failure."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks = [asyncio.create_task(bot.start(token), name="discord")]
    waiter = asyncio.create_task(stop.wait())
    code = 0
    try:
        done, _ = await asyncio.wait([*tasks, waiter], return_when=asyncio.FIRST_COMPLETED)
        for t in done:
            if t is waiter:
                continue
            code = 1  # the connection ended without a stop being asked for
            error = t.exception()
            if error is not None:
                log.error("%s stopped: %r. %s", t.get_name(), error, advice(error))
            else:
                log.error(
                    "%s stopped on its own; exiting with an error so the service manager sees it",
                    t.get_name(),
                )
    finally:
        log.info("shutting down")
        await bot.close()
        await asyncio.gather(*tasks, return_exceptions=True)
        waiter.cancel()
        await asyncio.to_thread(bot.services.index.close)  # the final save
        log.info("stopped cleanly" if code == 0 else "stopped after an error (exit code %d)", code)
    return code


if __name__ == "__main__":
    sys.exit(main())
