"""Property-based fuzzing of the CLI entry points: any query, id or import line gives a clear exit code
and never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli.main import main
from index.retrieval.search import _INVISIBLE  # what the library strips before searching

pytestmark = pytest.mark.slow
FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)


@pytest.fixture
def data(sample_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PAPERLENS_DATA_DIR", str(sample_copy))
    monkeypatch.setenv("PAPERLENS_MULTILINGUAL", "true")
    return sample_copy


def run(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@FUZZ
@given(q=text)
def test_search_any_query(data: Path, capsys: pytest.CaptureFixture[str], q: str) -> None:
    code, out, err = run(capsys, ["search", "--json", "-k", "3", "--", q])
    assert "Traceback" not in err
    if _INVISIBLE.sub("", q).strip():
        assert code == 0 and isinstance(json.loads(out), list)
    else:  # nothing visible: control characters, zero-width spaces, white space
        assert code == 2 and "empty" in err


@FUZZ
@given(ref=text.filter(lambda s: s.strip() and not s.startswith("-")))
def test_show_any_id(data: Path, capsys: pytest.CaptureFixture[str], ref: str) -> None:
    code, out, err = run(capsys, ["show", "--json", ref])
    assert "Traceback" not in err
    assert (code == 0 and json.loads(out)["id"]) or (code == 2 and err.startswith("paperlens: error:"))


@FUZZ
@given(
    lines=st.lists(
        st.one_of(
            text,
            st.builds(
                json.dumps,
                st.dictionaries(
                    st.sampled_from(["id", "title", "abstract", "authors", "published", "version", "topic"]),
                    st.one_of(text, st.integers(), st.lists(text, max_size=3), st.none()),
                ),
            ),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_import_any_lines(
    data: Path, tmp_path_factory: pytest.TempPathFactory, capsys: pytest.CaptureFixture[str], lines: list[str]
) -> None:
    f = tmp_path_factory.mktemp("fuzz") / "in.jsonl"
    f.write_text("\n".join(x.replace("\n", " ").replace("\r", " ") for x in lines) + "\n", encoding="utf-8")
    for fmt in ("jsonl", "table", "arxiv-snapshot"):
        code, out, err = run(capsys, ["import", str(f), "--format", fmt, "--json"])
        assert "Traceback" not in err
        assert code == 0 or (code == 2 and err.startswith("paperlens: error:")), err
        if code == 0 and fmt != "table":  # (a table reads only rows that start with "|")
            rep = json.loads(out)
            nonblank = [x for x in f.read_bytes().split(b"\n") if x.decode("utf-8").strip()]
            # every non-blank line is accounted for: read as a paper, or reported with its number
            assert rep["seen"] + len(rep["bad"]) == len(nonblank), (rep, lines)
