"""What `paperlens --help` and `paperlens COMMAND --help` say beyond each option: the commands grouped by
who uses them (people who read papers, a member's feed, whoever runs the service) and an example per
command. Measuring (benchmarks, evaluation) is `paperlens-lab`'s, not listed here.
"""

from __future__ import annotations

import argparse
from typing import Any

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Search and read",
        ("run", "shell", "search", "similar", "show", "ask", "summarize", "digest", "topics"),
    ),
    (
        "Your feed and reading lists",
        (
            "feed",
            "like",
            "dislike",
            "unvote",
            "follow",
            "unfollow",
            "mute",
            "unmute",
            "read",
            "seed",
            "unseed",
            "recap",
            "prefs",
        ),
    ),
    (
        "Operating the index and the service",
        (
            "ingest",
            "import",
            "import-venue",
            "serve",
            "stats",
            "check",
            "backup",
            "restore",
            "rebuild",
            "completion",
        ),
    ),
)

EXAMPLES: dict[str, str] = {
    "run": "paperlens run                      # the bot with DISCORD_TOKEN set, else the session",
    "shell": "printf 'search nerf in the rain\\nstats\\n' | paperlens shell",
    "search": "paperlens search gaussian splatting for street scenes --since 2024-01-01 -k 5",
    "similar": "paperlens similar 2403.20013 --has-code",
    "show": "paperlens show MambaMorph --format bibtex",
    "ask": "paperlens ask how do NeRFs handle raindrops on the lens",
    "summarize": "paperlens summarize 2403.20013 --lang zh",
    "digest": "paperlens digest --topic NeRF --date 2024-04-01 --format markdown > 2024-04-01.md",
    "topics": "paperlens topics",
    "feed": "paperlens feed NeRF --member ana -k 5",
    "like": "paperlens like 2403.20013 --member ana",
    "dislike": "paperlens dislike 2403.20013 --member ana",
    "unvote": "paperlens unvote 2403.20013 --member ana",
    "follow": "paperlens follow 'Marco Cannici' --member ana",
    "unfollow": "paperlens unfollow 'Marco Cannici' --member ana",
    "mute": "paperlens mute 'survey' --member ana",
    "unmute": "paperlens unmute 'survey' --member ana",
    "read": "paperlens read add 2403.20013 --member ana",
    "seed": "paperlens seed NeRF 2403.20013 2404.06246",
    "unseed": "paperlens unseed NeRF 2404.06246",
    "recap": "paperlens recap NeRF --end 2024-04-07",
    "prefs": "paperlens prefs --member ana",
    "ingest": "paperlens ingest --topic NeRF --since 2024-04-01",
    "import": "paperlens import papers.jsonl --format jsonl --topic NeRF",
    "import-venue": "paperlens import-venue CVPR 2024 --topic '3D reconstruction'",
    "serve": "paperlens serve --port 8000           # then open http://127.0.0.1:8000/",
    "stats": "paperlens stats --json",
    "check": "paperlens check || echo 'run paperlens rebuild'",
    "backup": "paperlens backup ~/paperlens-backups/2024-04-01",
    "restore": "paperlens restore ~/paperlens-backups/2024-04-01 --force",
    "rebuild": "PAPERLENS_MODEL=all-MiniLM-L6-v2 paperlens rebuild",
    "completion": "paperlens completion bash > ~/.local/share/bash-completion/completions/paperlens",
}


def _listing(helps: dict[str, str]) -> str:
    width = max(map(len, helps)) + 2
    lines = []
    grouped = {name for _, names in GROUPS for name in names}
    groups = [*GROUPS, ("Other", tuple(n for n in helps if n not in grouped))]
    for title, names in groups:
        present = [n for n in names if n in helps]
        if present:
            lines += ["", f"{title}:", *(f"  {n:<{width}}{helps[n]}" for n in present)]
    return "\n".join(lines)


def decorate(ap: argparse.ArgumentParser, sub: Any) -> None:
    """Give every command its example and the top-level help the grouped listing of commands.

    ``sub`` is the action add_subparsers returned, after every command is registered (some are registered
    by cli/feed.py and cli/venues.py).
    """
    helps = {a.dest: a.help or "" for a in sub._choices_actions}
    for name, parser in sub.choices.items():
        example = EXAMPLES.get(name)
        if example:
            parser.epilog = f"example:\n  {example}"
            parser.formatter_class = argparse.RawDescriptionHelpFormatter
        if parser.description is None:
            parser.description = helps.get(name)
    ap.formatter_class = argparse.RawDescriptionHelpFormatter
    ap.usage = "%(prog)s [-h] [-v] [--version] COMMAND ..."
    ap.description = (ap.description or "") + "\n" + _listing(helps)
    ap.epilog = (
        "Run `paperlens COMMAND --help` for a command's options and an example.\n"
        "Benchmarks and evaluation are `paperlens-lab`'s (paperlens-lab --help)."
    )
    sub.help = argparse.SUPPRESS  # listed above, by group, instead of argparse's one flat list
