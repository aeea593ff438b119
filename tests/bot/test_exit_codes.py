"""The bot's exit code is what a service manager reads: 0 only for a requested stop (SIGTERM), non-zero when
it cannot log in or cannot reach Discord, with a line saying what to do. Real `python -m bot` processes
against the loopback Discord."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.fake_discord import FakeDiscord

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def discord() -> Iterator[FakeDiscord]:
    """The loopback Discord on its own event loop thread, for a bot in another process."""
    fake = FakeDiscord()
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(fake.start())
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert ready.wait(10)
    yield fake
    asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def start_bot(tmp_path: Path, base_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DISCORD_TOKEN": "test-token",
        "PAPERLENS_BOT_API_BASE_URL": base_url,
        "PAPERLENS_BOT_SYNC_COMMANDS": "false",
        "PAPERLENS_DATA_DIR": str(tmp_path / "data"),
        "PAPERLENS_MULTILINGUAL": "false",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_token_discord_refuses_exits_non_zero_and_says_what_to_do(
    tmp_path: Path, discord: FakeDiscord
) -> None:
    discord.fail("GET", r"/users/@me$", 401, times=5)
    bot = start_bot(tmp_path, f"http://127.0.0.1:{discord.port}/api/v10")
    out, _ = bot.communicate(timeout=120)
    assert bot.returncode == 1, out
    assert "copy the bot token again" in out
    assert "stopped cleanly" not in out


def test_discord_out_of_reach_exits_non_zero(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = start_bot(tmp_path, f"http://127.0.0.1:{port}/api/v10")
    out, _ = bot.communicate(timeout=120)
    assert bot.returncode == 1, out
    assert "could not be reached" in out


def test_only_a_requested_stop_exits_zero(tmp_path: Path, discord: FakeDiscord) -> None:
    bot = start_bot(tmp_path, f"http://127.0.0.1:{discord.port}/api/v10")
    deadline = time.monotonic() + 120
    while not discord._sockets and time.monotonic() < deadline:  # logged in: the gateway is open
        assert bot.poll() is None, bot.communicate()[0]
        time.sleep(0.2)
    assert discord._sockets, "the bot never opened the gateway"
    bot.send_signal(signal.SIGTERM)
    out, _ = bot.communicate(timeout=60)
    assert bot.returncode == 0, out
    assert "stopped cleanly" in out


def test_paperlens_run_starts_the_bot_when_a_token_is_configured(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    (tmp_path / ".env").write_text(
        f"DISCORD_TOKEN=t\nPAPERLENS_BOT_API_BASE_URL=http://127.0.0.1:{port}/api/v10\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PAPERLENS_BOT_TOKEN")}
    env |= {"PAPERLENS_DATA_DIR": str(tmp_path / "data"), "PAPERLENS_MULTILINGUAL": "false"}
    run = subprocess.run(
        [sys.executable, "-m", "cli.main", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 1, run.stderr  # the bot's own exit code: it could not reach Discord
    assert "could not be reached" in run.stderr


def test_the_bot_without_a_token_says_how_to_get_the_terminal_session(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "PAPERLENS_BOT_TOKEN")}
    run = subprocess.run(
        [sys.executable, "-m", "bot"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 2
    assert "DISCORD_TOKEN is not set" in run.stderr and "paperlens run" in run.stderr
