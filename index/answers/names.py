"""Papers a question names: by arXiv id or URL, or by the short name a paper is known by ("MambaMorph",
"SplatPose", "The Knowledge Within").

Names come from titles: the part before a colon ("DeepFLASH: An Efficient Network ...") and, inside that
part, coined words (a capital or digit inside the word: "SplatPose" of "SplatPose & Detect") that belong to
one paper only. The map is built once per store generation, so a question costs a few dictionary lookups,
not a pass over every title. A coined token of the question that the BM25 index finds in exactly one
paper's title or abstract ("MVBTS", defined only in its abstract) names that paper too.
"""

from __future__ import annotations

import re
import threading

from index.paperindex import PaperIndex

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# A coined token in a question: two capitals, or letters and digits ("MVBTS", "C2FNAS", "GHNeRF").
_QUESTION_NAME = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*[A-Z][A-Za-z0-9-]*[A-Z0-9])[A-Za-z][A-Za-z0-9-]{2,}"
)
_COINED = re.compile(r"^(?=.*[a-z])(?:[A-Za-z]*[a-z][A-Z0-9]\w*|[A-Z][A-Z0-9]{3,})$")
MAX_NAME_WORDS = 6
MIN_NAME_CHARS = 4


def normalise(text: str) -> str:
    return " ".join(_NON_ALNUM.sub(" ", text.lower()).split())


def title_names(title: str) -> tuple[str | None, list[str]]:
    """(the name before the colon, the coined words inside it), normalised."""
    if ":" not in title:
        return None, []
    head = title.split(":", 1)[0].strip()
    name = normalise(head)
    if len(name) < MIN_NAME_CHARS or len(name.split()) > MAX_NAME_WORDS:
        return None, []
    coined = [normalise(w) for w in re.findall(r"[A-Za-z0-9]+", head) if _COINED.match(w)]
    return name, [w for w in coined if len(w) >= MIN_NAME_CHARS and w != name]


class PaperNames:
    """Short name -> paper ids, rebuilt when the store's generation changes."""

    def __init__(self, index: PaperIndex) -> None:
        self.index = index
        self._lock = threading.Lock()
        self._generation = -1
        self._names: dict[str, list[str]] = {}

    def _current(self) -> dict[str, list[str]]:
        generation = self.index.generation
        with self._lock:
            if generation != self._generation:
                full: dict[str, list[str]] = {}
                coined: dict[str, list[str]] = {}
                for _, pid, title in self.index.titles():
                    name, words = title_names(title)
                    if name:
                        full.setdefault(name, []).append(pid)
                    for w in words:
                        coined.setdefault(w, []).append(pid)
                # A coined word shared by several papers names none of them.
                names = {w: ids for w, ids in coined.items() if len(ids) == 1 and w not in full}
                names.update(full)
                self._names, self._generation = names, generation
            return self._names

    def find(self, question: str, limit: int = 3) -> list[str]:
        """Ids of the papers the question names, longest name first."""
        names = self._current()
        words = normalise(question).split()
        found: list[str] = []
        for n in range(min(MAX_NAME_WORDS, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                for pid in names.get(" ".join(words[i : i + n]), []):
                    if pid not in found:
                        found.append(pid)
        for token in dict.fromkeys(_QUESTION_NAME.findall(question)):
            hits = self.index.lexical_search(token, k=2)
            if len(hits) == 1:
                got = self.index.get_by_rowids([hits[0][0]]).get(hits[0][0])
                if got is not None and got.id not in found:
                    found.append(got.id)
        return found[:limit]
