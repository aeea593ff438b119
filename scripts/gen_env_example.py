"""Regenerate .env.example from the settings classes (every key, with its description and default).

.venv/bin/python scripts/gen_env_example.py > .env.example
"""

from __future__ import annotations

from pydantic_settings import BaseSettings

from index.config import IndexSettings, LLMSettings

EXTRA = [
    (
        "Discord bot (not part of this release yet; `make run` starts the terminal session)",
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
        value = "" if default is None or "SecretStr" in str(field.annotation) else str(default)
        lines.append(f"# {field.description}")
        lines.append(f"{prefix}{name.upper()}={value}")
    return lines


def render() -> str:
    out = ["# PaperLens configuration. Copy to .env and edit; every key is optional.", ""]
    out += section(IndexSettings, "Index: store, embeddings, search, arXiv") + [""]
    out += section(LLMSettings, "Language model for answers and summaries") + [""]
    for title, keys in EXTRA:
        out.append(f"# --- {title} ---")
        for key, value, desc in keys:
            out += [f"# {desc}", f"{key}={value}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(render(), end="")
