"""spec_set mocks of discord.py's classes (as python-discord's tests/helpers.py does)."""

from __future__ import annotations

import itertools
from typing import Any
from unittest.mock import AsyncMock, MagicMock

import discord

_ids = itertools.count(1000)


def interaction(
    *, user_id: int = 1, manage_guild: bool = False, guild: bool = True, channel_id: int = 55
) -> Any:
    inter = MagicMock(spec_set=discord.Interaction)
    inter.id = next(_ids)
    inter.user = MagicMock(spec_set=discord.Member)
    inter.user.id = user_id
    inter.guild = MagicMock(spec_set=discord.Guild) if guild else None
    inter.guild_id = 77 if guild else None
    inter.channel_id = channel_id
    inter.channel = MagicMock(spec_set=discord.TextChannel)
    inter.channel.id = channel_id
    inter.permissions = discord.Permissions(manage_guild=manage_guild)
    inter.command = None
    resp = MagicMock(spec_set=discord.InteractionResponse)
    done = {"v": False}

    async def _mark(*a: Any, **k: Any) -> None:
        done["v"] = True

    resp.defer = AsyncMock(side_effect=_mark)
    resp.send_message = AsyncMock(side_effect=_mark)
    resp.edit_message = AsyncMock(side_effect=_mark)
    resp.is_done = MagicMock(side_effect=lambda: done["v"])
    inter.response = resp
    inter.followup = MagicMock(spec_set=discord.Webhook)
    inter.followup.send = AsyncMock()
    inter.delete_original_response = AsyncMock()
    return inter


def sent_embeds(mock_send: AsyncMock) -> list[discord.Embed]:
    """Every embed passed to a send-like mock."""
    out: list[discord.Embed] = []
    for call in mock_send.await_args_list:
        if call.kwargs.get("embed") is not None:
            out.append(call.kwargs["embed"])
        out.extend(call.kwargs.get("embeds") or [])
    return out


def text_of(e: discord.Embed) -> str:
    parts = [e.title or "", e.description or "", e.footer.text or ""]
    parts += [f"{f.name} {f.value}" for f in e.fields]
    return "\n".join(parts)
