"""The terminal as a person sees it (issue 25, point 1): a real `paperlens` process on a pseudo-terminal
draws tables and sections; the same commands piped print the plain, stable text scripts read; the session
keeps its history between runs and completes commands and topics; --help groups the commands with an
example each; `paperlens completion bash` completes in a real bash."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from cli.helptext import EXAMPLES, GROUPS
from cli.lineinput import completions
from cli.main import main
from cli.parser import build_parser
from tests.cli.tty import ROOT, env_for, on_tty, plain


def piped(data: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env_for(data, **env),
        timeout=300,
        cwd=ROOT,
    )


def subcommands(ap: argparse.ArgumentParser) -> Any:
    return next(a for a in ap._actions if a.dest == "command")


def commands() -> dict[str, str]:
    return {a.dest: a.help or "" for a in subcommands(build_parser())._choices_actions}


# ----- fast: no index, no model, no subprocess but bash -----
def entry(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What `paperlens ARGS` prints, through its entry point in this process (no index is opened)."""
    try:
        code: object = main(list(args))
    except SystemExit as e:  # --help
        code = e.code
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_help_lists_user_commands_apart_from_operator_ones(capsys: pytest.CaptureFixture[str]) -> None:
    out = entry(capsys, "--help")
    user, ops = out.index("Search and read:"), out.index("Operating the index and the service:")
    assert user < out.index("\n  search ") < out.index("\n  ask ") < ops
    for op in ("check", "backup", "restore", "rebuild", "ingest", "stats"):
        assert out.index(f"\n  {op} ") > ops, op
    assert "{run,shell" not in out  # argparse's flat list is replaced by the groups
    listed = set(re.findall(r"^  ([a-z-]+)  ", out, re.M))
    assert set(commands()) <= listed, set(commands()) - listed
    assert "paperlens-lab" in out


def test_every_command_has_an_example_that_parses() -> None:
    ap = build_parser()
    grouped = {n for _, names in GROUPS for n in names}
    for name in commands():
        assert name in grouped, f"{name} is in no group of --help"
        example = EXAMPLES[name]
        line = example.split("|")[-1] if example.startswith("printf") else example
        argv = shlex.split(re.split(r"\s(?:#|>|\|\|)", line)[0])
        argv = argv[argv.index("paperlens") + 1 :]
        assert argv[0] == name, example
        ap.parse_args(argv)  # exits (SystemExit) on an example that does not parse
        help_text = subcommands(ap).choices[name].format_help()
        assert help_text.rstrip().endswith(example), name


def bash_complete(script: str, line: str) -> list[str]:
    words = line.split(" ")
    probe = (
        f"{script}\nCOMP_WORDS=({' '.join(shlex.quote(w) for w in words)}); COMP_CWORD={len(words) - 1}\n"
        '_paperlens; printf "%s\\n" "${COMPREPLY[@]}"'
    )
    r = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return r.stdout.split()


def test_bash_completion_completes_commands_options_and_choices(capsys: pytest.CaptureFixture[str]) -> None:
    script = entry(capsys, "completion", "bash")
    assert bash_complete(script, "paperlens sea") == ["search"]
    assert set(bash_complete(script, "paperlens ")) == set(commands()) | {
        "-h",
        "--help",
        "-v",
        "--verbose",
        "--version",
    }
    assert bash_complete(script, "paperlens search --mode ") == ["hybrid", "dense", "bm25"]
    assert bash_complete(script, "paperlens -v search --form") == ["--format"]
    assert bash_complete(script, "paperlens show x --format b") == ["bibtex"]
    assert {"add", "list", "done"} <= set(bash_complete(script, "paperlens read "))
    assert bash_complete(script, "paperlens completion ") == ["bash", "zsh", "fish"]


def test_zsh_and_fish_scripts_name_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    fish = entry(capsys, "completion", "fish")
    for name in commands():
        assert f"__fish_use_subcommand -a {name} -d " in fish, name
    assert "-n '__fish_seen_subcommand_from search' -l mode -xa 'hybrid dense bm25'" in fish
    zsh = entry(capsys, "completion", "zsh")
    assert "bashcompinit" in zsh and "complete -o default -F _paperlens paperlens" in zsh
    r = subprocess.run(
        ["bash", "-n"], input=zsh.split("bashcompinit\n", 1)[1], text=True, capture_output=True
    )
    assert r.returncode == 0, r.stderr


def test_session_completes_commands_and_topic_names_with_spaces() -> None:
    topics = lambda: ["NeRF", "CVPR 2020 medical imaging", "3D reconstruction"]  # noqa: E731
    cmds = ("search", "similar", "show", "stats", "digest")
    assert completions("s", cmds, topics) == ["search ", "similar ", "show ", "stats "]
    assert completions("st", cmds, topics) == ["stats "]
    assert completions("digest cvpr 2020", cmds, topics) == ["digest CVPR 2020 medical imaging"]
    assert completions("search ner", cmds, topics) == []


# ----- slow: the real sample index and models -----
def test_search_on_a_terminal_is_a_table_and_piped_is_the_plain_list(sample_copy: Path) -> None:
    rc, screen = on_tty(["search", "removing", "waterdrops", "from", "NeRF", "-k", "3"], env_for(sample_copy))
    shown = plain(screen)
    assert rc == 0, shown
    header = next(line for line in shown.splitlines() if "Relevance" in line)
    assert re.search(r"#\s+Relevance\s+Paper\s+Venue\s+Date\s+Code", header), header
    assert "DerainNeRF" in shown and "https://arxiv.org/abs/2403.20013" in shown
    assert re.search(r"^ *1 +\d+% match +DerainNeRF", shown, re.M), shown
    r = piped(sample_copy, "search", "removing", "waterdrops", "from", "NeRF", "-k", "3")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 6 and re.fullmatch(r" 1\. \[ *\d+%\] DerainNeRF: .*", lines[0]), r.stdout
    assert lines[1].startswith("    2403.20013 · 2024-04-01 · ") and "\x1b" not in r.stdout
    assert "Relevance" not in r.stdout


def test_stats_and_check_read_as_sections_on_a_terminal_and_piped(sample_copy: Path) -> None:
    rc, screen = on_tty(["stats"], env_for(sample_copy))
    shown = plain(screen)
    assert rc == 0, shown
    for part in ("Index", "Embedding", "Topics", "all-MiniLM-L6-v2 (384 dimensions)", "NeRF"):
        assert part in shown, part
    assert "{" not in shown and "'" not in shown, shown  # no dict repr
    r = piped(sample_copy, "stats")
    assert r.returncode == 0 and "{" not in r.stdout and "\x1b" not in r.stdout, r.stdout
    assert re.search(r"^Topics\n(  .+ papers\n)+", r.stdout, re.M) and "  papers  " in r.stdout, r.stdout
    rc, screen = on_tty(["check"], env_for(sample_copy))
    shown = plain(screen)
    assert rc == 0 and "✓ 40 papers; store and indexes agree, database intact" in shown, shown
    assert re.search(r"dense index +40 vectors, agrees with the store", shown), shown
    r = piped(sample_copy, "check")
    first, *rest = r.stdout.splitlines()
    assert r.returncode == 0 and first == "40 papers; store and indexes agree, database intact", r.stdout
    assert "\x1b" not in r.stdout and any("dense index" in line for line in rest)


def test_the_session_keeps_its_history_and_completes_on_a_terminal(sample_copy: Path, tmp_path: Path) -> None:
    env = env_for(sample_copy, XDG_STATE_HOME=str(tmp_path / "state"))
    keys = [("paperlens> ", "sea\t"), ("search ", "waterdrops\r"), ("Relevance", "dig\tNe\t\r")]
    keys += [("TL;DR", "sta\t\r"), ("Topics", "quit\r")]
    rc, screen = on_tty(["shell"], env, keys)
    shown = plain(screen)
    assert rc == 0, shown
    assert "paperlens> search waterdrops" in shown and "DerainNeRF" in shown  # 'sea' + Tab
    assert "NeRF — " in shown and "TL;DR" in shown and "---\ntitle:" not in shown  # the digest, rendered
    assert "Embedding" in shown and "{'" not in shown
    history = (tmp_path / "state" / "paperlens" / "history").read_text()
    assert "search waterdrops" in history and "digest NeRF" in history, history
    # a new session recalls the last one's lines: up three times is `digest NeRF` (quit, stats, digest)
    rc, screen = on_tty(["shell"], env, [("paperlens> ", "\x1b[A\x1b[A\x1b[A\r"), ("TL;DR", "quit\r")])
    assert rc == 0 and "NeRF — " in plain(screen), plain(screen)


def test_a_piped_session_prints_plain_text_with_each_command_echoed(sample_copy: Path) -> None:
    r = piped(sample_copy, "shell", stdin="search waterdrops\nstats\ndigest NeRF\n")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "\x1b" not in out and "╭" not in out and "Relevance" not in out
    assert (
        out.index("paperlens> search waterdrops") < out.index("] DerainNeRF") < out.index("paperlens> stats")
    )
    assert out.index("paperlens> stats") < out.index("\nTopics\n") < out.index("paperlens> digest NeRF")
    digest = out[out.index("paperlens> digest NeRF") :]
    assert "---" not in digest and "title:" not in digest and "## " not in digest, digest  # no YAML/Markdown
    assert re.search(r"^NeRF — \d{4}-\d\d-\d\d · \d+ new papers$", digest, re.M), digest
    assert "   TL;DR: " in digest and "\n1. " in digest
