"""What Discord refuses, as documented (developer docs: Message, Embed limits, Application Commands,
Components, Interactions). The fake Discord runs every payload the bot sends through these checks and
records each violation, and the test that caused it fails."""

from __future__ import annotations

import re
from typing import Any

# https://discord.com/developers/docs/resources/message#embed-object-embed-limits
EMBED_TITLE, EMBED_DESCRIPTION, EMBED_FIELDS, FIELD_NAME, FIELD_VALUE = 256, 4096, 25, 256, 1024
EMBED_FOOTER, EMBED_AUTHOR, EMBEDS_TOTAL, EMBEDS_PER_MESSAGE, CONTENT = 2048, 256, 6000, 10, 2000
# https://discord.com/developers/docs/interactions/application-commands
COMMAND_NAME = re.compile(r"^[-_\w]{1,32}$")
COMMAND_DESCRIPTION, OPTIONS, CHOICES, COMMAND_TOTAL_CHARS, GLOBAL_COMMANDS = 100, 25, 25, 4000, 100
CHOICE_NAME, CHOICE_VALUE = 100, 100
# https://discord.com/developers/docs/components/reference
CUSTOM_ID, BUTTON_LABEL, ROWS, ROW_ITEMS, SELECT_OPTIONS, PLACEHOLDER = 100, 80, 5, 5, 25, 150
THREAD_NAME = 100
URL_SCHEMES = ("http", "https")


def _len(x: Any) -> int:
    return len(x) if isinstance(x, str) else 0


def embed_problems(e: dict[str, Any], where: str) -> list[str]:
    out = []
    if _len(e.get("title")) > EMBED_TITLE:
        out.append(f"{where}: embed title {_len(e.get('title'))} > {EMBED_TITLE}")
    if _len(e.get("description")) > EMBED_DESCRIPTION:
        out.append(f"{where}: embed description {_len(e.get('description'))} > {EMBED_DESCRIPTION}")
    fields = e.get("fields") or []
    if len(fields) > EMBED_FIELDS:
        out.append(f"{where}: {len(fields)} embed fields > {EMBED_FIELDS}")
    for f in fields:
        if not f.get("name") or _len(f.get("name")) > FIELD_NAME:
            out.append(f"{where}: field name length {_len(f.get('name'))} not in 1..{FIELD_NAME}")
        if not f.get("value") or _len(f.get("value")) > FIELD_VALUE:
            out.append(f"{where}: field value length {_len(f.get('value'))} not in 1..{FIELD_VALUE}")
    if _len((e.get("footer") or {}).get("text")) > EMBED_FOOTER:
        out.append(f"{where}: footer > {EMBED_FOOTER}")
    if _len((e.get("author") or {}).get("name")) > EMBED_AUTHOR:
        out.append(f"{where}: author name > {EMBED_AUTHOR}")
    return out


def embed_url_errors(p: dict[str, Any]) -> dict[str, Any]:
    """Discord's 400 Invalid Form Body ``errors`` object for embed links that are not http(s), or {} when
    there is none: Discord refuses the whole message (it does not drop the link)."""
    errors: dict[str, Any] = {}
    for i, e in enumerate(p.get("embeds") or []):
        for key, url in (("url", e.get("url")), ("author.url", (e.get("author") or {}).get("url"))):
            if url is None:
                continue
            scheme = str(url).split(":", 1)[0].lower() if ":" in str(url) else ""
            if scheme in URL_SCHEMES and str(url).split(":", 1)[1].startswith("//"):
                continue
            message = (
                f'Scheme "{scheme}" is not supported. Scheme must be one of {URL_SCHEMES}.'
                if scheme
                else "Not a well formed URL."
            )
            errors.setdefault("embeds", {}).setdefault(str(i), {})[key] = {
                "_errors": [{"code": "URL_TYPE_INVALID_URL", "message": message}]
            }
    return errors


def embed_chars(e: dict[str, Any]) -> int:
    """The characters Discord counts towards the 6,000 of a message's embeds."""
    n = _len(e.get("title")) + _len(e.get("description"))
    n += _len((e.get("footer") or {}).get("text")) + _len((e.get("author") or {}).get("name"))
    return n + sum(_len(f.get("name")) + _len(f.get("value")) for f in e.get("fields") or [])


def component_problems(rows: list[dict[str, Any]], where: str) -> list[str]:
    out = []
    if len(rows) > ROWS:
        out.append(f"{where}: {len(rows)} action rows > {ROWS}")
    for row in rows:
        items = row.get("components") or []
        if row.get("type") != 1 or not 1 <= len(items) <= ROW_ITEMS:
            out.append(f"{where}: an action row must hold 1..{ROW_ITEMS} components")
        for c in items:
            cid = c.get("custom_id")
            if c.get("type") == 2 and c.get("style") != 5 and not (cid and len(cid) <= CUSTOM_ID):
                out.append(f"{where}: button custom_id {cid!r} must be 1..{CUSTOM_ID} characters")
            if _len(c.get("label")) > BUTTON_LABEL:
                out.append(f"{where}: button label > {BUTTON_LABEL}")
            if c.get("type") == 3:
                opts = c.get("options") or []
                if not 1 <= len(opts) <= SELECT_OPTIONS:
                    out.append(f"{where}: a select needs 1..{SELECT_OPTIONS} options, has {len(opts)}")
                if len(items) != 1:
                    out.append(f"{where}: a select must be alone in its row")
                if not (cid and len(cid) <= CUSTOM_ID):
                    out.append(f"{where}: select custom_id must be 1..{CUSTOM_ID} characters")
                if _len(c.get("placeholder")) > PLACEHOLDER:
                    out.append(f"{where}: placeholder > {PLACEHOLDER}")
                for o in opts:
                    if not 1 <= _len(o.get("label")) <= 100 or not 1 <= _len(o.get("value")) <= 100:
                        out.append(f"{where}: select option label/value must be 1..100 characters")
    return out


def message_problems(p: dict[str, Any], where: str, *, require_no_mentions: bool = True) -> list[str]:
    """A message body (channel message, webhook follow-up, interaction response data, edit)."""
    out = []
    content = p.get("content")
    if _len(content) > CONTENT:
        out.append(f"{where}: content {_len(content)} > {CONTENT}")
    embeds = p.get("embeds") or []
    if len(embeds) > EMBEDS_PER_MESSAGE:
        out.append(f"{where}: {len(embeds)} embeds > {EMBEDS_PER_MESSAGE}")
    for i, e in enumerate(embeds):
        out += embed_problems(e, f"{where} embed {i}")
    total = sum(embed_chars(e) for e in embeds)
    if total > EMBEDS_TOTAL:
        out.append(f"{where}: embeds hold {total} characters together > {EMBEDS_TOTAL}")
    out += component_problems(p.get("components") or [], where)
    # PaperLens's own rule on top of Discord's: nothing it posts may ping anyone.
    if require_no_mentions and (content or embeds):
        am = p.get("allowed_mentions")
        if am is None or am.get("parse") or am.get("users") or am.get("roles") or am.get("replied_user"):
            out.append(f"{where}: allowed_mentions must be none, got {am!r}")
    return out


def _option_chars(o: dict[str, Any]) -> int:
    n = _len(o.get("name")) + _len(o.get("description"))
    n += sum(_len(c.get("name")) + _len(str(c.get("value"))) for c in o.get("choices") or [])
    return n + sum(_option_chars(x) for x in o.get("options") or [])


def _name_and_description(obj: dict[str, Any], where: str, what: str) -> list[str]:
    """A chat-input command's or option's name (lower case, 1..32 word characters) and description."""
    out = []
    name = obj.get("name") or ""
    if not COMMAND_NAME.match(name) or name != name.lower():
        out.append(f"{where}: invalid {what} name")
    if not 1 <= _len(obj.get("description")) <= COMMAND_DESCRIPTION:
        out.append(f"{where}: description must be 1..{COMMAND_DESCRIPTION} characters")
    return out


def option_problems(opts: list[dict[str, Any]], where: str, depth: int = 0) -> list[str]:
    out = []
    if len(opts) > OPTIONS:
        out.append(f"{where}: {len(opts)} options > {OPTIONS}")
    names = [o.get("name") for o in opts]
    if len(set(names)) != len(names):
        out.append(f"{where}: duplicate option names")
    seen_optional = False
    for o in opts:
        w = f"{where}.{o.get('name')}"
        out += _name_and_description(o, w, "option")
        if o.get("type") in (1, 2):
            if depth >= 2 or (o.get("type") == 2 and depth >= 1):
                out.append(f"{w}: subcommands nested too deep")
            out += option_problems(o.get("options") or [], w, depth + 1)
            continue
        if o.get("required"):
            if seen_optional:
                out.append(f"{w}: required options must come before optional ones")
        else:
            seen_optional = True
        choices = o.get("choices") or []
        if len(choices) > CHOICES:
            out.append(f"{w}: {len(choices)} choices > {CHOICES}")
        if choices and o.get("autocomplete"):
            out.append(f"{w}: autocomplete cannot be combined with choices")
    return out


def command_problems(commands: list[dict[str, Any]], scope: str) -> list[str]:
    """A bulk overwrite of application commands (PUT .../commands)."""
    out = []
    if len(commands) > GLOBAL_COMMANDS:
        out.append(f"{scope}: {len(commands)} commands > {GLOBAL_COMMANDS}")
    keys = [(c.get("type", 1), c.get("name")) for c in commands]
    if len(set(keys)) != len(keys):
        out.append(f"{scope}: duplicate command names")
    for c in commands:
        w = f"{scope} /{c.get('name')}"
        name = c.get("name") or ""
        if c.get("type", 1) == 1:
            out += _name_and_description(c, w, "command")
        out += option_problems(c.get("options") or [], w)
        total = (
            _len(name) + _len(c.get("description")) + sum(_option_chars(o) for o in c.get("options") or [])
        )
        if total > COMMAND_TOTAL_CHARS:
            out.append(f"{w}: {total} characters in names, descriptions and choices > {COMMAND_TOTAL_CHARS}")
    return out


def autocomplete_problems(choices: list[dict[str, Any]], where: str) -> list[str]:
    out = []
    if len(choices) > CHOICES:
        out.append(f"{where}: {len(choices)} autocomplete choices > {CHOICES}")
    for c in choices:
        if not 1 <= _len(c.get("name")) <= CHOICE_NAME:
            out.append(f"{where}: choice name must be 1..{CHOICE_NAME} characters")
        if isinstance(c.get("value"), str) and _len(c.get("value")) > CHOICE_VALUE:
            out.append(f"{where}: choice value > {CHOICE_VALUE}")
    return out
