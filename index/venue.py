"""Where a paper was published and where its code lives, read from the text that says so.

Pure functions over an arXiv record's ``journal_ref`` and ``comment`` and over abstracts:
:func:`venue_from` names the venue ('Accepted to CVPR 2024' -> 'CVPR 2024') and is conservative: a venue
the paper was only submitted to, or is under review at, is no venue. :func:`code_links` finds the code and
project pages an abstract or comment links (GitHub, GitLab, Hugging Face, Bitbucket, 'Project page: ...').

:func:`with_venue` records a venue in ``Paper.venue`` and :func:`recorded_venue` reads it back. Stores written
while the venue was carried in the comment (``Venue: CVPR 2024 | 8 pages``) are read the same way:
:func:`split_recorded` takes such a comment apart, and the stores move it into the column when they open.
"""

from __future__ import annotations

import re

from index.links import safe_url
from index.models import Paper
from index.paper import CODE_HOST_NAMES, CODE_HOSTS
from index.text import clean_line

# Conferences and journals named by their usual short form; the spelling on the left is how it is written.
_CONFERENCES = (
    "CVPR", "ICCV", "ECCV", "WACV", "BMVC", "3DV", "ACCV", "MICCAI", "ISBI", "IPMI", "MIDL", "NeurIPS", "ICLR",
    "ICML", "AAAI", "IJCAI", "AISTATS", "UAI", "COLT", "KDD", "ACL", "EMNLP", "NAACL", "COLING", "SIGGRAPH",
    "ICRA", "IROS", "CoRL", "RSS", "ACM MM", "ICASSP", "INTERSPEECH",
)  # fmt: skip
_ALIASES = {"nips": "NeurIPS", "neurips": "NeurIPS", "acmmm": "ACM MM", "acm mm": "ACM MM"}
_CANONICAL = {c.lower(): c for c in _CONFERENCES} | _ALIASES
_CONF_NAMES = "|".join(sorted({re.escape(k) for k in _CANONICAL}, key=len, reverse=True)).replace(
    r"\ ", r"\s?"
)
# 'CVPR 2024', 'CVPR2024', "CVPR'24", 'CVPR 24', '(CVPR), 2024' (a full name with the short one), or a bare 'CVPR'.
_CONF = re.compile(
    rf"(?<![\w-])(?P<name>{_CONF_NAMES})(?![A-Za-z_]|-[A-Za-z])(?:\s*(?:'|’|-)?\s*(?P<year>(?:19|20)\d\d|\d\d)(?!\d)|\)\s*,?\s*(?P<year4>(?:19|20)\d\d)(?!\d))?",
    re.I,
)
# A clause that only hopes for a venue, or says the paper did not get in.
_NOT_YET = re.compile(
    r"\b(?:submitted|submission|under\s+review|in\s+review|to\s+be\s+submitted|rejected|withdrawn|"
    r"preprint\s+under|for\s+review|review\s+version|"
    # ...or names the venue of an earlier paper this one extends
    r"extended\s+version|extension|extends|journal\s+version|previous(?:ly)?|earlier|based\s+on\s+our)\b",
    re.I,
)
# Words that say the paper is in a venue: what follows them names it.
_ACCEPTED = re.compile(
    r"\b(?:accepted|appears?|appearing|to\s+appear|published|presented|in\s+proceedings\s+of|"
    r"proceedings\s+of|camera[-\s]ready)\b(?:\s+for\s+publication)?(?:\s+(?:as\s+an?\s+\w+\s+(?:paper\s+)?)?(?:(?:to|at|by|in|for|on)\s+)?"
    r"(?:the\s+)?)?",
    re.I,
)
_JOURNAL_END = re.compile(r"\s*(?:[,;(\[]|\s-\s|\bvol\b|\bvolume\b|\b(?:19|20)\d\d\b|$)", re.I)
# A clause about the code or data being published somewhere, and places that publish code, not papers.
_ABOUT_CODE = re.compile(
    r"\b(?:code|data(?:set)?s?|models?|weights|implementation|repository|software)\b", re.I
)
_NOT_VENUES = re.compile(
    r"^(?:GitHub|GitLab|Hugging\s?Face|Zenodo|Bitbucket|arXiv|Our|This|The\s+web)\b", re.I
)
_WORKSHOP = re.compile(r"\bworkshops?\b", re.I)
VENUE_PREFIX = "Venue: "
_SEP = " | "  # between the venue and the comment it came with: no venue name holds it


def _year(text: str | None) -> str | None:
    if not text:
        return None
    return text if len(text) == 4 else f"20{text}"


def _clauses(text: str) -> list[str]:
    """Sentences and semicolon-separated parts: a negation in one does not reach the next."""
    return [c.strip() for c in re.split(r"(?<=[.;!])\s+|\n+|;", text) if c.strip()]


def _conference_in(clause: str) -> str | None:
    m = _CONF.search(clause)
    if not m:
        return None
    name = _CANONICAL[re.sub(r"\s+", " ", m.group("name").lower())]
    year = _year(m.group("year") or m.group("year4"))
    venue = f"{name} {year}" if year else name
    return f"{venue} Workshops" if _WORKSHOP.search(clause) else venue


def _journal_in(clause: str) -> str | None:
    """The venue named after an acceptance word ('Published in IEEE TMI' -> 'IEEE TMI'), when not a conference."""
    m = _ACCEPTED.search(clause)
    if not m:
        return None
    if _ABOUT_CODE.search(clause[: m.start()]):
        return None
    rest = clause[m.end() :]
    end = _JOURNAL_END.search(rest)
    name = rest[: end.start() if end else len(rest)].strip(" .:'\"")
    words = name.split()
    # A venue is a name: it starts with a capital or digit and is not a whole sentence.
    if (
        not words
        or not (words[0][0].isupper() or words[0][0].isdigit())
        or len(words) > 12
        or _NOT_VENUES.match(name)
    ):
        return None
    return clean_line(name) or None


def not_yet_published(text: str | None) -> bool:
    """True when the text says the paper was only submitted, is under review, was rejected, or extends an
    earlier paper: a venue it names is not this paper's."""
    return bool(_NOT_YET.search(text or ""))


def venue_from(journal_ref: str | None, comment: str | None) -> str | None:
    """The venue a paper was published at, or None when its record does not say so.

    Args:
        journal_ref: arXiv's journal reference (the venue as the authors recorded it), if any.
        comment: arXiv's comment ('Accepted to CVPR 2024. Project page: ...'), if any.

    Returns:
        A known conference as ``NAME YEAR`` ('CVPR 2024', 'MICCAI 2023', 'CVPR 2024 Workshops'), a journal
        as named after 'published in' / 'accepted by' ('IEEE TMI'), the journal reference as written, or
        None. A clause that says 'submitted to' or 'under review' names no venue.
    """
    ref = clean_line(journal_ref)
    if ref:
        return _conference_in(ref) or ref[:200]
    for clause in _clauses(comment or ""):
        if _NOT_YET.search(clause):
            continue
        venue = _conference_in(clause)
        # A bare name without a year ('ACL tear', 'an RSS feed') is a venue only after an acceptance word.
        if venue and (any(c.isdigit() for c in venue) or _ACCEPTED.search(clause)):
            return venue
        venue = _journal_in(clause)
        if venue:
            return venue
    return None


# Words that introduce a project page on any host (code hosts count without them: index.paper.CODE_HOSTS).
_PAGE_CUE = re.compile(
    r"(?:project\s+(?:page|website|site|homepage)|home\s*page|website|code(?:\s+and\s+\w+)?(?:\s+is)?"
    r"(?:\s+(?:publicly\s+)?(?:available|released))?(?:\s+(?:at|on|in))?|demo|models?|data(?:set)?)\s*[:\-]?\s*$",
    re.I,
)
_HOST_NAMES = "|".join(map(re.escape, CODE_HOST_NAMES))
# A link: with its scheme, or a code host's link written without one ('github.com/a/b').
_URL = re.compile(
    rf"(?:https?://|(?<![\w./@-])(?=(?:www\.)?(?:{_HOST_NAMES})/))" r"[^\s<>\"'`{}|\\^]+",
    re.I,
)
_TRAILING = ".,;:!?'\"”’»…"


def _trim(url: str) -> str:
    """A URL as written in prose, without the punctuation that ends the sentence around it."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in ")]" and url.count("(" if last == ")" else "[") < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def code_links(text: str | None) -> list[str]:
    """The code and project-page links in an abstract or comment, in order, each once, as safe links.

    A link counts when its host is a code host (github.com, gitlab.com, huggingface.co, bitbucket.org, a
    github.io / gitlab.io page) or when the words before it introduce it ('Project page: https://...').
    Punctuation that ends the sentence is not part of the link; a link without a scheme gets https.
    """
    out: list[str] = []
    for m in _URL.finditer(text or ""):
        raw = _trim(m.group(0))
        url = raw if re.match(r"https?://", raw, re.I) else f"https://{raw}"
        host = re.sub(r"^https?://", "", url, flags=re.I).split("/", 1)[0].split(":", 1)[0]
        cued = _PAGE_CUE.search((text or "")[max(0, m.start() - 60) : m.start()])
        if not (CODE_HOSTS.match(host) or cued):
            continue
        if re.fullmatch(rf"(?:www\.)?(?:{_HOST_NAMES})/?", url.split("://", 1)[1], re.I):
            continue  # the bare host names no project
        safe = safe_url(url)
        if safe and safe not in out:
            out.append(safe)
    return out


def split_recorded(comment: str | None) -> tuple[str | None, str | None]:
    """(venue, the rest of the comment) of a comment written as 'Venue: X | comment' by an earlier version;
    (None, comment) for any other comment."""
    if not comment or not comment.startswith(VENUE_PREFIX):
        return None, comment
    venue, _, rest = comment[len(VENUE_PREFIX) :].partition(_SEP)
    return (clean_line(venue) or None), (rest.strip() or None)


def with_venue(paper: Paper, venue: str | None) -> Paper:
    """The paper with its venue recorded in ``Paper.venue`` (a None or blank venue changes nothing)."""
    venue = clean_line(venue)
    old, rest = split_recorded(paper.comment)
    if not venue or (paper.venue == venue and old is None):
        return paper
    return paper.model_copy(update={"venue": venue, "comment": rest})


def recorded_venue(paper: Paper) -> str | None:
    """The paper's venue: ``Paper.venue``, else one an earlier version wrote into the comment, else None."""
    return paper.venue or split_recorded(paper.comment)[0]
