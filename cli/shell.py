"""The terminal session of `make run`: one command per line, from a person or a pipe.

Commands: search, similar, show, ask, summarize, digest, stats, help, quit — the same library calls the
`paperlens` commands, the bot and the API make. It exits cleanly on EOF, `quit` or Ctrl-C.
"""

from __future__ import annotations

import logging
from typing import TextIO

from cli.text import answer_text, hits_text, paper_text, summary_text
from index.config import LLMSettings
from index.errors import PaperLensError
from index.paperindex import PaperIndex
from index.text import terminal_text

log = logging.getLogger(__name__)

HELP = """Commands:
  search QUERY        hybrid search (English or Chinese)
  similar PAPER       papers similar to one (id, URL or title)
  show PAPER          metadata and abstract
  ask QUESTION        a cited answer (English or Chinese)
  summarize PAPER     TL;DR, takeaways and analysis (summarize zh PAPER for Chinese)
  digest TOPIC        the topic's latest digest (Markdown)
  stats               what the index holds
  help                this text
  quit                leave (or Ctrl-D)"""


class Shell:
    """A line-oriented session over a PaperIndex."""

    def __init__(self, index: PaperIndex, llm: LLMSettings, k: int = 5) -> None:
        from index.services import build_services

        self.index = index
        self.k = k
        core = build_services(index.settings, llm, index=index)
        self.answerer, self.summarizer = core.answerer, core.summarizer

    def handle(self, line: str) -> str | None:
        """Run one line; returns the text to print, or None to quit."""
        cmd, _, rest = line.strip().partition(" ")
        cmd, rest = cmd.lower(), rest.strip()
        if not cmd or cmd.startswith("#"):
            return ""
        if cmd in ("quit", "exit"):
            return None
        try:
            if cmd == "help":
                return HELP
            if cmd == "search":
                return hits_text(self.index.search(rest, k=self.k))
            if cmd == "similar":
                return hits_text(self.index.similar(rest, k=self.k))
            if cmd == "show":
                return paper_text(self.index.resolve(rest))
            if cmd == "ask":
                return answer_text(self.answerer.ask(rest))
            if cmd == "summarize":
                lang, _, ref = rest.partition(" ")
                if lang in ("zh", "en") and ref.strip():
                    return summary_text(self.summarizer.summarize(ref, lang=lang))
                return summary_text(self.summarizer.summarize(rest))
            if cmd == "digest":
                return self.digest(rest)
            if cmd == "stats":
                return "\n".join(f"{k}: {v}" for k, v in self.index.stats().items())
        except PaperLensError as e:
            return f"error: {e}"
        return f"Unknown command {cmd!r}. Type 'help'."

    def digest(self, topic_name: str) -> str:
        from index.digests.build import topic_digest
        from index.digests.export import to_markdown
        from index.topics import load_topics

        topics = load_topics(self.index.settings.topics_file)
        return to_markdown(topic_digest(self.index, self.summarizer, topics, topic_name))

    def loop(self, stdin: TextIO, stdout: TextIO) -> int:
        interactive = stdin.isatty()
        if interactive:
            stdout.write("PaperLens — type 'help' for commands, Ctrl-D to leave.\n")
        try:
            while True:
                if interactive:
                    stdout.write("paperlens> ")
                    stdout.flush()
                line = stdin.readline()
                if not line:
                    break
                if not interactive and line.strip():  # a piped transcript shows which answer is whose
                    stdout.write(f"paperlens> {terminal_text(line.strip())}\n")
                out = self.handle(line)
                if out is None:
                    break
                if out:
                    stdout.write(out + "\n")
                    stdout.flush()
        except KeyboardInterrupt:
            stdout.write("\n")
        return 0
