"""Regenerate .env.example from the settings classes (every key, with its description and default).

.venv/bin/python scripts/gen_env_example.py > .env.example
"""

from __future__ import annotations

from pydantic_settings import BaseSettings

from api.config import ApiSettings
from bot.config import BotSettings
from index.config import IndexSettings, LLMSettings

EXTRA = [
    (
        "Discord bot (`make run` starts it when DISCORD_TOKEN is set, else the terminal session)",
        [
            ("DISCORD_TOKEN", "", "Bot token from the Discord developer portal; never commit it"),
        ],
    ),
]


def section(cls: type[BaseSettings], title: str) -> list[str]:
    prefix = cls.model_config.get("env_prefix", "")
    lines = [f"# --- {title} ---"]
    for name, field in cls.model_fields.items():
        default = field.default
        secret = "SecretStr" in str(field.annotation)
        value = (
            ""
            if default is None or secret or not isinstance(default, (str, int, float, bool))
            else str(default)
        )
        if isinstance(default, bool):
            value = str(default).lower()
        key = field.validation_alias.choices[0] if getattr(field.validation_alias, "choices", None) else None
        lines.append(f"# {field.description}")
        lines.append(f"{key or prefix + name.upper()}={value}")
    return lines


def render() -> str:
    out = ["# PaperLens configuration. Copy to .env and edit; every key is optional.", ""]
    out += [*section(IndexSettings, "Index: store, embeddings, search, arXiv"), ""]
    out += [*section(LLMSettings, "Language model for answers and summaries"), ""]
    out += [*section(BotSettings, "Discord bot (make run starts it when DISCORD_TOKEN is set)"), ""]
    out += section(ApiSettings, "HTTP API (paperlens serve)")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(), end="")
