"""Text hygiene: the one set of invisible characters, and the cleaning of stored fields and terminal output.

Every short field a paper stores (title, authors, categories, topics, venue, source) passes
:func:`clean_line`; abstracts pass :func:`clean_block`. Both drop the same :data:`INVISIBLE` characters that
search ignores in a query and that import cleaning drops, so a field can hold no terminal escape (an
OSC 8 hyperlink, a screen clear), no bidi override and no character that renders as nothing (a zero-width
space inside a URL, a Hangul filler, a braille blank, Unicode tag characters). What is printed to a
terminal passes :func:`terminal_text`, whatever its source (a language model's answer too).
"""

from __future__ import annotations

import re

# Control characters (C0, DEL, C1: ESC starts every terminal escape, U+009B is a one-byte CSI), and format or
# filler characters that render as nothing: soft hyphen, combining grapheme joiner, Arabic letter mark, Hangul
# and Khmer fillers, Mongolian selectors, zero-width spaces and joiners, bidi marks and overrides, invisible
# operators, braille blank, variation selectors, BOM, interlinear annotation, musical format marks, tags.
INVISIBLE_CHARS = (
    "\x00-\x1f\x7f-\x9f\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
    "\U0001d173-\U0001d17a\U000e0000-\U000e007f\U000e0100-\U000e01ef"
)
INVISIBLE = re.compile(f"[{INVISIBLE_CHARS}]")
# Whole terminal escape sequences (7-bit and C1 forms), removed before single characters so that no residue
# of one is left as text: OSC (a hyperlink, a window title) up to its terminator, CSI (colours, a screen
# clear) up to its final byte, and any other escape with the character after it.
ESCAPES = re.compile(
    r"(?:\x1b\]|\x9d)[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|\x1b[ -~]?"
)
# The control characters among them that separate words (tab, line breaks, file/group/record separators).
_SEPARATORS = re.compile(r"[\t\n\x0b\x0c\r\x1c-\x1f\x85]")
# Terminal output keeps its line breaks and tabs; every other invisible character goes.
_TERMINAL = re.compile("[" + INVISIBLE_CHARS.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f", 1) + "]")


def clean_line(text: object) -> str:
    """One line of text as a stored short field: invisible and control characters removed (those that
    separate words become a space), white space folded. None becomes ''."""
    if text is None:
        return ""
    return " ".join(INVISIBLE.sub("", _SEPARATORS.sub(" ", ESCAPES.sub("", str(text)))).split())


def clean_block(text: object) -> str:
    """A longer text (an abstract): as :func:`clean_line`; paragraphs are folded into one line too."""
    return clean_line(text)


def terminal_text(text: str) -> str:
    """Text safe to print on a terminal: line breaks and tabs kept, every other control, escape or
    invisible character removed (no escape sequence, hyperlink or bidi override can reach the screen)."""
    return _TERMINAL.sub("", ESCAPES.sub("", text))
