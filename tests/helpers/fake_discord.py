"""A loopback Discord: enough of the REST API and the gateway for the real discord.py client to log in,
sync commands, receive interactions and messages, and post — and a referee of what it posts.

The real client is pointed at it by setting ``discord.http.Route.BASE`` (and the webhook module's
twin) to this server; the gateway URL comes from ``GET /gateway/bot`` as it does from Discord.
Responses use ``Content-Type: application/json`` exactly (discord.py compares the header verbatim).

Everything the bot sends is checked against Discord's documented limits (tests/helpers/discord_limits.py);
each violation is recorded and :meth:`FakeDiscord.assert_clean` fails the test. Faults on demand:
:meth:`fail` makes the next matching requests answer 403, 404, 429 (with Retry-After) or 5xx.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import discord.webhook.async_ as webhook_async
from aiohttp import WSMsgType, web

from tests.helpers import discord_limits as limits

_ids = itertools.count(1_200_000_000_000_000_000)
INTERACTION_DEADLINE = 3.0  # seconds Discord waits for the first response to an interaction
ALL_PERMISSIONS = (1 << 50) - 1
BOT_PERMISSIONS = ALL_PERMISSIONS & ~int(discord.Permissions(administrator=True).value)  # its role, no admin
MEMBER_PERMISSIONS = int(
    discord.Permissions(
        view_channel=True, send_messages=True, read_message_history=True, use_application_commands=True
    ).value
)


def snowflake() -> int:
    return next(_ids)


def _now() -> str:
    return datetime.now(UTC).isoformat()


def user_payload(uid: int, name: str, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(uid),
        "username": name,
        "discriminator": "0",
        "global_name": name,
        "avatar": None,
        "bot": bot,
    }


@dataclass
class Fault:
    method: str
    path: re.Pattern[str]
    status: int
    times: int = 1
    retry_after: float = 0.05
    skip: int = 0  # let this many matching requests through first
    body: str | None = None  # only requests whose raw body contains this (one message, not every one)

    def matches(self, method: str, path: str, raw: bytes = b"") -> bool:
        if self.times <= 0 or self.method not in (method, "*") or not self.path.search(path):
            return False
        if self.body is not None and self.body not in raw.decode("utf-8", "replace"):
            return False
        if self.skip > 0:
            self.skip -= 1
            return False
        return True


@dataclass
class Interaction:
    """One interaction the fake sent, and what the bot answered."""

    id: int
    token: str
    type: int
    payload: dict[str, Any]
    created: float = field(default_factory=time.monotonic)
    callbacks: list[dict[str, Any]] = field(default_factory=list)
    original: dict[str, Any] | None = None
    followups: list[dict[str, Any]] = field(default_factory=list)
    original_deleted: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def acknowledged(self) -> bool:
        return bool(self.callbacks)

    def messages(self) -> list[dict[str, Any]]:
        """What the user sees: the original response (if not deleted) and every follow-up."""
        out = [] if self.original is None or self.original_deleted else [self.original]
        return out + self.followups

    def embeds(self) -> list[dict[str, Any]]:
        return [e for m in self.messages() for e in m.get("embeds") or []]

    def text(self) -> str:
        """Every visible string of the answer, for assertions."""
        parts: list[str] = []
        for m in self.messages():
            parts.append(m.get("content") or "")
            for e in m.get("embeds") or []:
                parts += [
                    e.get("title") or "",
                    e.get("description") or "",
                    (e.get("footer") or {}).get("text", ""),
                ]
                parts += [f"{f.get('name')} {f.get('value')}" for f in e.get("fields") or []]
        return "\n".join(parts)

    def ephemeral(self) -> bool:
        flags = [(c.get("data") or {}).get("flags", 0) for c in self.callbacks]
        flags += [m.get("flags", 0) for m in self.followups]
        return any(f & 64 for f in flags)


class FakeDiscord:
    """REST + gateway on 127.0.0.1; one bot application, guilds with text channels, and users."""

    def __init__(self) -> None:
        self.app_id = snowflake()
        self.bot_id = self.app_id
        self.owner_id = snowflake()
        self.users: dict[int, dict[str, Any]] = {
            self.bot_id: user_payload(self.bot_id, "PaperLens", bot=True),
            self.owner_id: user_payload(self.owner_id, "owner"),
        }
        self.guilds: dict[int, dict[str, Any]] = {}
        self.members: dict[int, dict[int, int]] = {}  # guild -> user -> permissions
        self.channels: dict[int, dict[str, Any]] = {}
        self.messages: dict[int, list[dict[str, Any]]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}
        self.command_puts: list[int | None] = []
        self.interactions: dict[int, Interaction] = {}
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.requests: list[tuple[str, str, int]] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = 0
        self.identified = asyncio.Event()
        self.heartbeats_acked = 0
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.dms: dict[int, int] = {}  # user -> DM channel
        self.bot_roles: dict[int, int] = {}  # guild -> the bot's managed role

    # ----- world -----
    def add_user(self, name: str) -> int:
        uid = snowflake()
        self.users[uid] = user_payload(uid, name)
        return uid

    def add_guild(self, name: str = "lab") -> int:
        gid = snowflake()
        self.guilds[gid] = {"id": str(gid), "name": name, "owner_id": str(self.owner_id)}
        self.members[gid] = {self.bot_id: BOT_PERMISSIONS, self.owner_id: ALL_PERMISSIONS}
        self.bot_roles[gid] = snowflake()
        return gid

    def add_member(self, guild_id: int, user_id: int, *, manage_guild: bool = False) -> None:
        perms = MEMBER_PERMISSIONS | (
            int(discord.Permissions(manage_guild=True).value) if manage_guild else 0
        )
        self.members[guild_id][user_id] = perms

    def add_channel(self, guild_id: int, name: str) -> int:
        cid = snowflake()
        self.channels[cid] = {
            "id": str(cid),
            "type": 0,
            "guild_id": str(guild_id),
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }
        self.messages[cid] = []
        return cid

    def deny(self, channel_id: int, user_id: int, **perms: bool) -> None:
        """A member overwrite in a channel denying ``perms`` (discord.Permissions names) to a user (the bot,
        usually). Call before the bot logs in: GUILD_CREATE carries the channel's overwrites."""
        bits = int(discord.Permissions(**perms).value)
        self.channels[channel_id]["permission_overwrites"].append(
            {"id": str(user_id), "type": 1, "allow": "0", "deny": str(bits)}
        )

    def permissions(self, channel_id: int, user_id: int) -> int:
        """A member's permissions in a channel (a thread uses its parent's): guild permissions, then the
        channel's member overwrites."""
        ch = self.channels[channel_id]
        if ch.get("parent_id"):
            ch = self.channels[int(ch["parent_id"])]
        if not ch.get("guild_id"):
            return MEMBER_PERMISSIONS
        perms = self.members[int(ch["guild_id"])].get(user_id, MEMBER_PERMISSIONS)
        for o in ch.get("permission_overwrites") or []:
            if int(o["id"]) == user_id:
                perms = (perms & ~int(o["deny"])) | int(o["allow"])
        return perms

    def _bot_may(self, channel_id: int, **perms: bool) -> bool:
        need = int(discord.Permissions(**perms).value)
        return self.permissions(channel_id, self.bot_id) & need == need

    def remove_channel(self, channel_id: int) -> None:
        """The channel is deleted: every request about it now answers 404 Unknown Channel."""
        self.channels.pop(channel_id, None)

    def dm_channel(self, user_id: int) -> int:
        if user_id not in self.dms:
            cid = snowflake()
            self.channels[cid] = {
                "id": str(cid),
                "type": 1,
                "recipients": [self.users[user_id]],
                "last_message_id": None,
            }
            self.messages[cid] = []
            self.dms[user_id] = cid
        return self.dms[user_id]

    def channel_messages(self, channel_id: int) -> list[dict[str, Any]]:
        return self.messages.get(channel_id, [])

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        times: int = 1,
        retry_after: float = 0.05,
        skip: int = 0,
        body: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests matching ``method`` and the ``path`` regex (and whose raw body
        contains ``body``, when given) with ``status``, after letting ``skip`` of them through."""
        self.faults.append(Fault(method, re.compile(path), status, times, retry_after, skip, body))

    def assert_clean(self) -> None:
        assert not self.violations, "the bot sent what Discord refuses:\n" + "\n".join(self.violations)

    # ----- server -----
    async def start(self) -> None:
        app = web.Application(middlewares=[self._middleware], client_max_size=32 * 2**20)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def point_client_here(self) -> Callable[[], None]:
        """Send discord.py's REST and webhook calls here; returns the undo."""
        old = (discord.http.Route.BASE, webhook_async.Route.BASE)
        discord.http.Route.BASE = self.base
        webhook_async.Route.BASE = self.base

        def undo() -> None:
            discord.http.Route.BASE, webhook_async.Route.BASE = old

        return undo

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        raw = (
            await request.read()
            if any(f.body is not None for f in self.faults) and request.body_exists
            else b""
        )
        for f in self.faults:
            if f.matches(request.method, request.path, raw):
                f.times -= 1
                self.requests.append((request.method, request.path, f.status))
                return self._fault(f)
        resp = await handler(request)
        self.requests.append((request.method, request.path, resp.status))
        return resp  # type: ignore[no-any-return]

    @staticmethod
    def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
        # discord.py compares Content-Type with 'application/json' verbatim: no charset suffix.
        return web.Response(
            body=json.dumps(data).encode(),
            status=status,
            headers={"Content-Type": "application/json", **(headers or {})},
        )

    def _fault(self, f: Fault) -> web.Response:
        if f.status == 429:
            return self._json(
                {"message": "You are being rate limited.", "retry_after": f.retry_after, "global": False},
                429,
                {"Retry-After": str(f.retry_after), "X-RateLimit-Scope": "user"},
            )
        codes = {
            400: (50035, "Invalid Form Body"),
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
        }
        code, msg = codes.get(f.status, (0, "Internal Server Error"))
        return self._json({"message": msg, "code": code}, f.status)

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._json({"message": message, "code": code}, status)

    # ----- gateway -----
    async def _send(self, ws: web.WebSocketResponse, op: int, d: Any, t: str | None = None) -> None:
        payload: dict[str, Any] = {"op": op, "d": d}
        if op == 0:
            self._seq += 1
            payload |= {"s": self._seq, "t": t}
        await ws.send_str(json.dumps(payload))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for ws in list(self._sockets):
            if not ws.closed:
                await self._send(ws, 0, data, event)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await self._send(ws, 10, {"heartbeat_interval": 41250})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if data["op"] == 1:
                    self.heartbeats_acked += 1
                    await self._send(ws, 11, None)
                elif data["op"] == 2:
                    await self._ready(ws, data["d"])
        finally:
            self._sockets.remove(ws)
        return ws

    async def _ready(self, ws: web.WebSocketResponse, identify: dict[str, Any]) -> None:
        shard = identify.get("shard") or [0, 1]
        await self._send(
            ws,
            0,
            {
                "v": 10,
                "user": self.users[self.bot_id],
                "guilds": [{"id": g, "unavailable": True} for g in map(str, self.guilds)],
                "session_id": "fake-session",
                "resume_gateway_url": f"ws://127.0.0.1:{self.port}/gateway",
                "application": {"id": str(self.app_id), "flags": 0},
                "shard": shard,
            },
            "READY",
        )
        for gid in self.guilds:
            await self._send(ws, 0, self._guild_create(gid), "GUILD_CREATE")
        self.identified.set()

    def _member(self, gid: int, uid: int) -> dict[str, Any]:
        roles = [str(self.bot_roles[gid])] if uid == self.bot_id and gid in self.bot_roles else []
        return {
            "user": self.users[uid],
            "roles": roles,
            "joined_at": _now(),
            "deaf": False,
            "mute": False,
            "flags": 0,
        }

    def _guild_create(self, gid: int) -> dict[str, Any]:
        g = self.guilds[gid]
        return {
            **g,
            "unavailable": False,
            "member_count": len(self.members[gid]),
            "large": False,
            "roles": [
                {
                    "id": str(gid),
                    "name": "@everyone",
                    "permissions": str(MEMBER_PERMISSIONS),
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                },
                {
                    "id": str(self.bot_roles[gid]),
                    "name": "PaperLens",
                    "permissions": str(BOT_PERMISSIONS),
                    "position": 1,
                    "color": 0,
                    "hoist": False,
                    "managed": True,
                    "mentionable": False,
                    "flags": 0,
                    "tags": {"bot_id": str(self.bot_id)},
                },
            ],
            "channels": [
                c for c in self.channels.values() if c.get("guild_id") == str(gid) and c["type"] == 0
            ],
            "threads": [],
            "members": [self._member(gid, u) for u in self.members[gid]],
            "emojis": [],
            "stickers": [],
            "features": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "icon": None,
            "splash": None,
            "banner": None,
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
        }

    # ----- driving the bot -----
    def _base_interaction(
        self,
        itype: int,
        user_id: int,
        channel_id: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
    ) -> Interaction:
        iid = snowflake()
        token = f"tok-{iid}"
        ch = self.channels[channel_id]
        p: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": itype,
            "data": data,
            "token": token,
            "version": 1,
            "channel_id": str(channel_id),
            "channel": ch,
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 8 * 2**20,
        }
        gid = ch.get("guild_id")
        if gid is not None:
            perms = self.members[int(gid)].get(user_id, MEMBER_PERMISSIONS)
            p |= {
                "guild_id": gid,
                "guild_locale": "en-US",
                "context": 0,
                "app_permissions": str(self.permissions(channel_id, self.bot_id)),
                "member": {**self._member(int(gid), user_id), "permissions": str(perms)},
                "authorizing_integration_owners": {"0": gid},
            }
        else:
            p |= {
                "user": self.users[user_id],
                "context": 1,
                "app_permissions": str(MEMBER_PERMISSIONS),
                "authorizing_integration_owners": {"1": str(user_id)},
            }
        if message is not None:
            p["message"] = message
        it = Interaction(iid, token, itype, p)
        self.interactions[iid] = it
        return it

    def _command(self, name: str, guild_id: int | None) -> dict[str, Any]:
        for scope in (guild_id, None):
            for c in self.commands.get(scope, []):
                if c["name"] == name:
                    return c
        raise AssertionError(f"/{name} was never synced to Discord")

    async def slash(
        self,
        user_id: int,
        channel_id: int,
        name: str,
        subcommand: str | None = None,
        focused: str | None = None,
        **options: Any,
    ) -> Interaction:
        """Use /name [subcommand] with options (or type into ``focused`` for autocomplete)."""
        gid = self.channels[channel_id].get("guild_id")
        cmd = self._command(name, int(gid) if gid else None)
        opts = [
            {"name": k, "type": _option_type(v), "value": v, **({"focused": True} if k == focused else {})}
            for k, v in options.items()
        ]
        if subcommand is not None:
            opts = [{"name": subcommand, "type": 1, "options": opts}]
        data = {"id": cmd["id"], "name": name, "type": 1, "options": opts}
        if gid:
            data["guild_id"] = gid if cmd.get("guild_id") else None
            if data["guild_id"] is None:
                del data["guild_id"]
        it = self._base_interaction(4 if focused else 2, user_id, channel_id, data)
        await self.dispatch("INTERACTION_CREATE", it.payload)
        return it

    async def click(
        self, user_id: int, message: dict[str, Any], custom_id: str, values: list[str] | None = None
    ) -> Interaction:
        """Press a button (or pick ``values`` in a select) of a message the bot sent."""
        ctype = 3 if values is not None else 2
        data: dict[str, Any] = {"custom_id": custom_id, "component_type": ctype}
        if values is not None:
            data["values"] = values
        it = self._base_interaction(3, user_id, int(message["channel_id"]), data, message)
        await self.dispatch("INTERACTION_CREATE", it.payload)
        return it

    async def say(
        self, user_id: int, channel_id: int, content: str, mention_bot: bool = False
    ) -> dict[str, Any]:
        """A user posts a message (MESSAGE_CREATE on the gateway)."""
        text = (f"<@{self.bot_id}> " if mention_bot else "") + content
        msg = self._message(channel_id, user_id, {"content": text})
        if mention_bot:
            msg["mentions"] = [self.users[self.bot_id]]
        gid = self.channels[channel_id].get("guild_id")
        event = dict(msg)
        if gid:
            event["member"] = self._member(int(gid), user_id)
        self.messages[channel_id].append(msg)
        await self.dispatch("MESSAGE_CREATE", event)
        return msg

    async def react(
        self, user_id: int, channel_id: int, message_id: int, emoji: str, added: bool = True
    ) -> None:
        """A member adds (or removes) a unicode-emoji reaction on a message (MESSAGE_REACTION_ADD / _REMOVE)."""
        data: dict[str, Any] = {
            "user_id": str(user_id),
            "channel_id": str(channel_id),
            "message_id": str(message_id),
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        gid = self.channels[channel_id].get("guild_id")
        if gid:
            data["guild_id"] = gid
            if added:
                data["member"] = self._member(int(gid), user_id)
        await self.dispatch("MESSAGE_REACTION_ADD" if added else "MESSAGE_REACTION_REMOVE", data)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
        """Poll until ``predicate()`` is truthy (the bot works in its own tasks and threads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = predicate()
            if got:
                return got
            await asyncio.sleep(0.02)
        raise AssertionError(f"timed out after {timeout} s waiting for the bot")

    async def answered(self, it: Interaction, timeout: float = 30.0, followups: int = 0) -> Interaction:
        """Wait until the interaction has its final visible answer (a non-deferred response or follow-ups)."""

        def done() -> bool:
            if not it.callbacks:
                return False
            if it.callbacks[0]["type"] in (4, 7, 8):
                return True
            return len(it.followups) > followups or (
                it.original is not None and bool(it.original.get("_edited"))
            )

        await self.wait_for(done, timeout)
        return it

    # ----- REST -----
    def _message(self, channel_id: int, author_id: int, body: dict[str, Any], **extra: Any) -> dict[str, Any]:
        ch = self.channels.get(channel_id, {})
        msg = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": self.users[author_id],
            "content": body.get("content") or "",
            "timestamp": _now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": body.get("flags", 0) or 0,
            **extra,
        }
        if ch.get("guild_id"):
            msg["guild_id"] = ch["guild_id"]
        if body.get("message_reference"):
            msg["message_reference"] = body["message_reference"]
        return msg

    def _check(self, body: dict[str, Any], where: str) -> web.Response | None:
        """Record what breaks Discord's limits; answer 400 for what Discord refuses outright."""
        self.violations += limits.message_problems(body, where)
        errors = limits.embed_url_errors(body or {})
        if errors:
            return self._json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, 400)
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body: Any = None
        if request.body_exists:  # (a body-matching fault may have read it already: read() is cached)
            if request.content_type.startswith("multipart/"):  # files: the JSON rides in payload_json
                form = await request.post()
                body = json.loads(str(form.get("payload_json") or "{}"))
            else:
                body = json.loads(await request.read() or b"null")
        m = request.method
        for pattern, methods in _ROUTES:
            match = pattern.fullmatch(path)
            if match and m in methods:
                return await getattr(self, methods[m])(request, body, **match.groupdict())
        self.violations.append(f"unexpected request {m} {path}")
        return self._error(404, 0, "404: Not Found")

    async def _get_gateway(self, request: web.Request, body: Any) -> web.Response:
        return self._json(
            {
                "url": f"ws://127.0.0.1:{self.port}/gateway",
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _get_me(self, request: web.Request, body: Any) -> web.Response:
        return self._json(self.users[self.bot_id])

    async def _get_app(self, request: web.Request, body: Any) -> web.Response:
        return self._json(
            {
                "id": str(self.app_id),
                "name": "PaperLens",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": self.users[self.owner_id],
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
                "summary": "",
            }
        )

    async def _put_commands(self, request: web.Request, body: Any, guild: str | None = None) -> web.Response:
        scope = int(guild) if guild else None
        self.violations += limits.command_problems(body, f"commands[{guild or 'global'}]")
        self.command_puts.append(scope)
        stored = []
        for c in body:
            stored.append(
                {
                    **c,
                    "id": str(snowflake()),
                    "application_id": str(self.app_id),
                    "version": "1",
                    **({"guild_id": guild} if guild else {}),
                    "type": c.get("type", 1),
                }
            )
        self.commands[scope] = stored
        return self._json(stored)

    async def _get_commands(self, request: web.Request, body: Any, guild: str | None = None) -> web.Response:
        return self._json(self.commands.get(int(guild) if guild else None, []))

    async def _callback(self, request: web.Request, body: Any, iid: str, token: str) -> web.Response:
        it = self.interactions.get(int(iid))
        if it is None or it.token != token:
            return self._error(404, 10062, "Unknown interaction")
        if it.callbacks:
            self.violations.append(f"interaction {iid} answered twice (type {body.get('type')})")
            return self._error(400, 40060, "Interaction has already been acknowledged.")
        late = time.monotonic() - it.created
        if late > INTERACTION_DEADLINE:
            self.violations.append(
                f"interaction {iid} answered after {late:.1f} s (Discord allows {INTERACTION_DEADLINE} s)"
            )
            return self._error(404, 10062, "Unknown interaction")
        t, data = body["type"], body.get("data") or {}
        if t == 8:
            self.violations += limits.autocomplete_problems(data.get("choices") or [], f"autocomplete {iid}")
        elif t in (4, 7) and (refused := self._check(data, f"interaction {iid} response")) is not None:
            return refused
        it.callbacks.append(body)
        channel_id = int(it.payload["channel_id"])
        resource: dict[str, Any] = {"type": t}
        if t in (4, 5):
            user = (it.payload.get("member") or {}).get("user") or it.payload.get("user")
            name = (it.payload.get("data") or {}).get("name", "")
            it.original = self._message(
                channel_id,
                self.bot_id,
                data if t == 4 else {"flags": data.get("flags", 0)},
                interaction={"id": iid, "type": it.type, "name": name, "user": user},
            )
            if t == 5:
                it.original["flags"] = (it.original.get("flags") or 0) | 128  # loading
            resource["message"] = it.original
        elif t == 7:
            msg = it.payload.get("message")
            if msg is not None:
                self._edit_stored(int(msg["channel_id"]), int(msg["id"]), data)
        it.changed.set()
        return self._json(
            {
                "interaction": {
                    "id": iid,
                    "type": it.type,
                    "response_message_id": it.original["id"] if it.original else None,
                    "response_message_loading": t == 5,
                    "response_message_ephemeral": bool(data.get("flags", 0) & 64),
                },
                "resource": resource,
            }
        )

    def _interaction_by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _followup(self, request: web.Request, body: Any, app: str, token: str) -> web.Response:
        it = self._interaction_by_token(token)
        if it is None or not it.callbacks:
            return self._error(404, 10015, "Unknown Webhook")
        if (refused := self._check(body, f"follow-up to interaction {it.id}")) is not None:
            return refused
        channel_id = int(it.payload["channel_id"])
        deferred_thinking = (
            it.callbacks[0]["type"] == 5
            and it.original is not None
            and not it.original.get("_edited")
            and not it.followups
        )
        if deferred_thinking and not it.original_deleted:
            # Discord turns the first follow-up after a thinking defer into the original response.
            it.original.update(self._message(channel_id, self.bot_id, body, id=it.original["id"]))
            it.original["_edited"] = True
            msg = it.original
        else:
            msg = self._message(channel_id, self.bot_id, body)
            it.followups.append(msg)
        it.changed.set()
        return self._json({k: v for k, v in msg.items() if not k.startswith("_")})

    async def _edit_original(
        self, request: web.Request, body: Any, app: str, token: str, mid: str
    ) -> web.Response:
        it = self._interaction_by_token(token)
        if it is None:
            return self._error(404, 10015, "Unknown Webhook")
        if (refused := self._check(body, f"edit of interaction {it.id}")) is not None:
            return refused
        if mid == "@original" or (it.original is not None and it.original["id"] == mid):
            target = it.original
        else:
            target = next((m for m in it.followups if m["id"] == mid), None)
        if target is None:
            return self._error(404, 10008, "Unknown Message")
        for k in ("content", "embeds", "components"):
            if k in body:
                target[k] = body[k]
        target["_edited"] = True
        it.changed.set()
        return self._json({k: v for k, v in target.items() if not k.startswith("_")})

    async def _delete_original(
        self, request: web.Request, body: Any, app: str, token: str, mid: str
    ) -> web.Response:
        it = self._interaction_by_token(token)
        if it is None or it.original is None:
            return self._error(404, 10008, "Unknown Message")
        it.original_deleted = True
        it.changed.set()
        return web.Response(status=204)

    def _edit_stored(self, channel_id: int, message_id: int, body: dict[str, Any]) -> dict[str, Any] | None:
        for msgs in (
            [self.messages.get(channel_id, [])]
            + [[i.original] for i in self.interactions.values() if i.original]
            + [i.followups for i in self.interactions.values()]
        ):
            for m in msgs:
                if m is not None and int(m["id"]) == message_id:
                    for k in ("content", "embeds", "components"):
                        if k in body:
                            m[k] = body[k]
                    return m
        return None

    def _channel_or_404(self, cid: str) -> dict[str, Any] | web.Response:
        ch = self.channels.get(int(cid))
        return ch if ch is not None else self._error(404, 10003, "Unknown Channel")

    async def _post_message(self, request: web.Request, body: Any, cid: str) -> web.Response:
        ch = self._channel_or_404(cid)
        if isinstance(ch, web.Response):
            return ch
        threaded = bool(ch.get("parent_id"))
        if not self._bot_may(
            int(cid), **({"send_messages_in_threads": True} if threaded else {"send_messages": True})
        ):
            return self._error(403, 50013, "Missing Permissions")
        if (refused := self._check(body, f"message in channel {cid}")) is not None:
            return refused
        msg = self._message(int(cid), self.bot_id, body)
        self.messages.setdefault(int(cid), []).append(msg)
        return self._json(msg)

    async def _edit_message(self, request: web.Request, body: Any, cid: str, mid: str) -> web.Response:
        if (refused := self._check(body, f"edit in channel {cid}")) is not None:
            return refused
        m = self._edit_stored(int(cid), int(mid), body)
        return self._json(m) if m else self._error(404, 10008, "Unknown Message")

    async def _get_message(self, request: web.Request, body: Any, cid: str, mid: str) -> web.Response:
        for m in self.messages.get(int(cid), []):
            if m["id"] == mid:
                return self._json(m)
        return self._error(404, 10008, "Unknown Message")

    async def _history(self, request: web.Request, body: Any, cid: str) -> web.Response:
        ch = self._channel_or_404(cid)
        if isinstance(ch, web.Response):
            return ch
        limit = int(request.query.get("limit", 50))
        msgs = list(reversed(self.messages.get(int(cid), [])))  # newest first, as Discord answers
        before = request.query.get("before")
        if before:
            msgs = [m for m in msgs if int(m["id"]) < int(before)]
        return self._json(msgs[:limit])

    async def _get_channel(self, request: web.Request, body: Any, cid: str) -> web.Response:
        ch = self._channel_or_404(cid)
        return ch if isinstance(ch, web.Response) else self._json(ch)

    async def _thread_from_message(self, request: web.Request, body: Any, cid: str, mid: str) -> web.Response:
        ch = self._channel_or_404(cid)
        if isinstance(ch, web.Response):
            return ch
        if ch["type"] != 0:
            return self._error(400, 50024, "Cannot execute action on this channel type")
        if not self._bot_may(int(cid), create_public_threads=True):
            return self._error(403, 50013, "Missing Permissions")
        name = body.get("name") or ""
        if not 1 <= len(name) <= limits.THREAD_NAME:
            self.violations.append(f"thread name of {len(name)} characters")
        tid = int(mid)  # a thread started from a message has the message's id
        self.channels[tid] = {
            "id": str(tid),
            "type": 11,
            "guild_id": ch["guild_id"],
            "parent_id": cid,
            "name": name,
            "owner_id": str(self.bot_id),
            "member_count": 1,
            "message_count": 0,
            "last_message_id": None,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": body.get("auto_archive_duration", 1440),
                "archive_timestamp": _now(),
                "locked": False,
            },
            "rate_limit_per_user": 0,
            "flags": 0,
        }
        self.messages[tid] = []
        for m in self.messages.get(int(cid), []):
            if m["id"] == mid:
                m["thread"] = self.channels[tid]
        await self.dispatch("THREAD_CREATE", {**self.channels[tid], "newly_created": True})
        return self._json(self.channels[tid])

    async def _reaction(
        self, request: web.Request, body: Any, cid: str, mid: str, emoji: str
    ) -> web.Response:
        return web.Response(status=204)

    async def _typing(self, request: web.Request, body: Any, cid: str) -> web.Response:
        return web.Response(status=204)

    async def _open_dm(self, request: web.Request, body: Any) -> web.Response:
        return self._json(self.channels[self.dm_channel(int(body["recipient_id"]))])

    async def _get_user(self, request: web.Request, body: Any, uid: str) -> web.Response:
        u = self.users.get(int(uid))
        return self._json(u) if u else self._error(404, 10013, "Unknown User")


def _option_type(v: Any) -> int:
    if isinstance(v, bool):
        return 5
    if isinstance(v, int):
        return 4
    if isinstance(v, float):
        return 10
    return 3


_ROUTES: list[tuple[re.Pattern[str], dict[str, str]]] = [
    (re.compile(p), m)
    for p, m in [
        (r"/gateway/bot", {"GET": "_get_gateway"}),
        (r"/users/@me", {"GET": "_get_me"}),
        (r"/users/@me/channels", {"POST": "_open_dm"}),
        (r"/users/(?P<uid>\d+)", {"GET": "_get_user"}),
        (r"/oauth2/applications/@me", {"GET": "_get_app"}),
        (r"/applications/\d+/commands", {"PUT": "_put_commands", "GET": "_get_commands"}),
        (
            r"/applications/\d+/guilds/(?P<guild>\d+)/commands",
            {"PUT": "_put_commands", "GET": "_get_commands"},
        ),
        (r"/interactions/(?P<iid>\d+)/(?P<token>[^/]+)/callback", {"POST": "_callback"}),
        (r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)", {"POST": "_followup"}),
        (
            r"/webhooks/(?P<app>\d+)/(?P<token>[^/]+)/messages/(?P<mid>@original|\d+)",
            {"PATCH": "_edit_original", "DELETE": "_delete_original"},
        ),
        (r"/channels/(?P<cid>\d+)", {"GET": "_get_channel"}),
        (r"/channels/(?P<cid>\d+)/messages", {"POST": "_post_message", "GET": "_history"}),
        (r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)", {"PATCH": "_edit_message", "GET": "_get_message"}),
        (r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/threads", {"POST": "_thread_from_message"}),
        (
            r"/channels/(?P<cid>\d+)/messages/(?P<mid>\d+)/reactions/(?P<emoji>[^/]+)/@me",
            {"PUT": "_reaction"},
        ),
        (r"/channels/(?P<cid>\d+)/typing", {"POST": "_typing"}),
    ]
]
