from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from api.config import ApiSettings
from bot.config import BotSettings
from index.config import IndexSettings, LLMSettings
from scripts.gen_env_example import render

ROOT = Path(__file__).resolve().parents[2]


def test_env_example_lists_every_key() -> None:
    assert (ROOT / ".env.example").read_text() == render(), "run scripts/gen_env_example.py > .env.example"
    text = (ROOT / ".env.example").read_text()
    for cls in (IndexSettings, LLMSettings, BotSettings, ApiSettings):
        prefix = cls.model_config["env_prefix"]
        for name in cls.model_fields:
            assert f"{prefix}{name.upper()}=" in text or name == "token"
    assert "\nDISCORD_TOKEN=\n" in text


def test_settings_from_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("PAPERLENS_DATA_DIR=/tmp/x\nPAPERLENS_INDEX_TYPE=hnsw\nPAPERLENS_LLM_API_KEY=sk-secret\n")
    s = IndexSettings(_env_file=env)
    assert str(s.data_dir) == "/tmp/x" and s.index_type == "hnsw"
    llm = LLMSettings(_env_file=env)
    assert (
        llm.api_key is not None and "sk-secret" not in repr(llm) and "sk-secret" not in str(llm.model_dump())
    )


def test_bad_setting_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="index_type"):
        IndexSettings(_env_file=None, index_type="annoy")  # type: ignore[arg-type]


def test_env_example_copied_as_is_gives_the_defaults(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text((ROOT / ".env.example").read_text())
    assert IndexSettings(_env_file=env) == IndexSettings(_env_file=None)
    assert LLMSettings(_env_file=env) == LLMSettings(_env_file=None)
