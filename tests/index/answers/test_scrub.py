"""Answer scrubbing (index/answers/scrub.py): a model's answer names only the papers it was given, however
it writes the reference."""

from __future__ import annotations

from index.answers.scrub import scrub_references
from index.models import Links
from tests.helpers.factories import paper

SOURCE = paper(
    "base-17",
    "Rain removal",
    links=Links(abs="https://arxiv.org/abs/2403.20013", other=("https://doi.org/10.1000/rain.17",)),
)
HELD = {"base-17", "base-4983", "cvpr2020:focalmix"}


def held(ids: object) -> set[str]:
    return {i for i in ids if i in HELD}  # type: ignore[attr-defined]


def test_a_stored_id_that_was_not_retrieved_is_removed() -> None:
    text = scrub_references(
        "As base-17 shows [1], and base-4983 and cvpr2020:focalmix agree.", [SOURCE], held
    )
    assert "base-4983" not in text and "cvpr2020:focalmix" not in text
    assert "base-17" in text and "[1]" in text
    # Words shaped like ids that the store does not hold are left alone.
    assert scrub_references("COVID-19 and GPT-4 models.", [SOURCE], held) == "COVID-19 and GPT-4 models."


def test_links_without_a_scheme_dois_and_hidden_links_are_removed() -> None:
    text = scrub_references(
        "See www.evil.example/paper, doi:10.9999/other.1 and https://evil\u200b.example/x. "
        "Also https://arxiv.org/abs/2403.20013 and doi:10.1000/rain.17.",
        [SOURCE],
        held,
    )
    assert "evil" not in text and "10.9999" not in text
    assert "https://arxiv.org/abs/2403.20013" in text and "doi:10.1000/rain.17" in text
    assert "\u200b" not in text
