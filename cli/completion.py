"""`paperlens completion bash|zsh|fish`: a shell completion script written from the argument parser itself,
so a new command or option completes without editing a script by hand.

It completes command names, each command's options, and the fixed choices of an option or argument
(`--format bibtex`, `--mode bm25`, `read add`). Nothing runs PaperLens while completing: the script holds
everything it needs.
"""

from __future__ import annotations

import argparse
import shlex
from dataclasses import dataclass, field


@dataclass
class Command:
    """What completes after one command: its options, which of them take a value, and fixed choices."""

    name: str
    help: str
    options: list[str] = field(default_factory=list)
    takes_value: list[str] = field(default_factory=list)
    choices: dict[str, list[str]] = field(default_factory=dict)  # option -> its choices
    positional: list[str] = field(default_factory=list)  # fixed choices of a positional argument


def commands(ap: argparse.ArgumentParser) -> tuple[list[str], list[Command]]:
    """The top-level options and every command, read from the parser."""
    top: list[str] = []
    out: list[Command] = []
    for action in ap._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help or "" for a in action._choices_actions}
            for name, parser in action.choices.items():
                out.append(_command(name, helps.get(name, ""), parser))
        else:
            top += action.option_strings
    return top, out


def _command(name: str, help_: str, parser: argparse.ArgumentParser) -> Command:
    c = Command(name, help_)
    for a in parser._actions:
        choices = [str(x) for x in a.choices] if a.choices else []
        if not a.option_strings:
            c.positional += choices
            continue
        c.options += a.option_strings
        if a.nargs != 0:
            c.takes_value += a.option_strings
            for opt in a.option_strings:
                if choices:
                    c.choices[opt] = choices
    return c


def _words(items: list[str]) -> str:
    return shlex.quote(" ".join(items))


def bash(ap: argparse.ArgumentParser) -> str:
    """A bash completion function (also what zsh runs through bashcompinit)."""
    top, cmds = commands(ap)
    cases = []
    for c in cmds:
        value_cases = "".join(
            f'        {opt}) COMPREPLY=($(compgen -W {_words(ch)} -- "$cur")); return;;\n'
            for opt, ch in c.choices.items()
        )
        free = [o for o in c.takes_value if o not in c.choices]
        if free:
            value_cases += f"        {'|'.join(free)}) return;;  # a value of the user's: files by default\n"
        options = f'COMPREPLY=($(compgen -W {_words(c.options)} -- "$cur"))'
        if c.positional:  # a word not starting with '-' is the argument's choice
            choice = f'COMPREPLY=($(compgen -W {_words(c.positional)} -- "$cur"))'
            pick = f'      if [[ "$cur" == -* ]]; then {options}; else {choice}; fi;;\n'
        else:
            pick = f'      [[ "$cur" == -* ]] && {options};;\n'
        cases.append(f'    {c.name})\n      case "$prev" in\n{value_cases}      esac\n{pick}')
    names = _words([c.name for c in cmds])
    return (
        "# paperlens completion for bash: source it, or save it as\n"
        "# ~/.local/share/bash-completion/completions/paperlens\n"
        "_paperlens() {\n"
        '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" i\n'
        "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
        '    case "${COMP_WORDS[i]}" in -*) ;; *) cmd="${COMP_WORDS[i]}"; break;; esac\n'
        "  done\n"
        '  if [[ -z "$cmd" ]]; then\n'
        f'    COMPREPLY=($(compgen -W "{" ".join(top)} "{names} -- "$cur")); return\n'
        "  fi\n"
        '  case "$cmd" in\n' + "".join(cases) + "  esac\n"
        "}\n"
        "complete -o default -F _paperlens paperlens\n"
    )


def zsh(ap: argparse.ArgumentParser) -> str:
    """A zsh script: the bash function through zsh's bashcompinit (part of every zsh)."""
    return (
        "# paperlens completion for zsh: add `source <(paperlens completion zsh)` to ~/.zshrc\n"
        "autoload -U +X compinit && compinit\n"
        "autoload -U +X bashcompinit && bashcompinit\n" + bash(ap)
    )


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish_flag(opt: str) -> str:
    return f"-l {opt[2:]}" if opt.startswith("--") else f"-s {opt[1:]}"


def fish(ap: argparse.ArgumentParser) -> str:
    """The `complete` lines for fish: commands with their descriptions, then each command's options."""
    top, cmds = commands(ap)
    lines = [
        "# paperlens completion for fish: save as ~/.config/fish/completions/paperlens.fish",
        "complete -c paperlens -f",
        *(f"complete -c paperlens -n __fish_use_subcommand {_fish_flag(o)}" for o in top),
    ]
    for c in cmds:
        lines.append(f"complete -c paperlens -n __fish_use_subcommand -a {c.name} -d {_fish_quote(c.help)}")
    for c in cmds:
        cond = f"-n '__fish_seen_subcommand_from {c.name}'"
        if c.positional:
            lines.append(f"complete -c paperlens {cond} -a {_fish_quote(' '.join(c.positional))}")
        for opt in c.options:
            extra = ""
            if opt in c.choices:
                extra = f" -xa {_fish_quote(' '.join(c.choices[opt]))}"
            elif opt in c.takes_value:
                extra = " -r"
            lines.append(f"complete -c paperlens {cond} {_fish_flag(opt)}{extra}")
    return "\n".join(lines) + "\n"


def script(ap: argparse.ArgumentParser, shell: str) -> str:
    """The completion script for ``shell`` ('bash', 'zsh' or 'fish')."""
    return {"bash": bash, "zsh": zsh, "fish": fish}[shell](ap)
