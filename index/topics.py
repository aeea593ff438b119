"""Topics: a name, an arXiv query (or categories + keywords), and a description used for ranking."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from index.errors import ConfigError


class Topic(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    query: str | None = None
    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    description: str | None = None

    def arxiv_query(self) -> str:
        """The arXiv API search_query for this topic."""
        if self.query:
            return self.query
        kws = " OR ".join(f'all:"{k}"' if " " in k else f"all:{k}" for k in self.keywords)
        cats = " OR ".join(f"cat:{c}" for c in self.categories)
        if kws and cats:
            return f"({cats}) AND ({kws})"
        if kws or cats:
            return kws or cats
        raise ConfigError(f"Topic {self.name!r} needs a query, or categories and/or keywords.")

    def ranking_text(self) -> str:
        """What papers are ranked against for this topic (digests)."""
        return self.description or " ".join([self.name, *self.keywords])


def load_topics(path: Path | None = None) -> list[Topic]:
    """Read a topics file (TOML with [[topic]] tables, or YAML with a 'topics' list); default: bundled."""
    try:
        if path is None:
            text = resources.files("index").joinpath("data/topics.toml").read_text(encoding="utf-8")
            suffix = ".toml"
        else:
            text = Path(path).read_text(encoding="utf-8")
            suffix = Path(path).suffix.lower()
        data = yaml.safe_load(text) if suffix in (".yaml", ".yml") else tomllib.loads(text)
    except FileNotFoundError as e:
        raise ConfigError(f"Topics file not found: {path}") from e
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"Topics file {path} is not valid: {e}") from e
    raw = (data or {}).get("topic") or (data or {}).get("topics") or []
    try:
        topics = [Topic.model_validate(t) for t in raw]
    except ValidationError as e:
        raise ConfigError(f"Topics file {path or 'topics.toml'}: {e.errors()[0]['msg']}") from e
    names = [t.name.lower() for t in topics]
    if len(set(names)) != len(names):
        raise ConfigError("Topic names must be unique.")
    for t in topics:
        t.arxiv_query()
    return topics


def find_topic(topics: list[Topic], name: str) -> Topic:
    for t in topics:
        if t.name.lower() == name.strip().lower():
            return t
    known = ", ".join(t.name for t in topics) or "none configured"
    raise ConfigError(f"Unknown topic {name!r}. Known topics: {known}.")
