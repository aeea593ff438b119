"""Render functions at Discord's limits: nothing a paper contains can break a message or ping anyone."""

from __future__ import annotations

from datetime import date

import discord

from bot import render
from index.models import Analysis, Answer, Citation, Links, Paper, SearchHit, Summary, SummaryContent


def big_paper(**kw: object) -> Paper:
    base: dict[str, object] = dict(
        id="2401.00001",
        title="@everyone **Bold** _title_ " + "x" * 400,
        authors=tuple(f"Author Number{i} @here" for i in range(200)),
        abstract="Abstract " * 2000,
        comment="CVPR 2024 @everyone " + "c" * 2000,
        published=date(2024, 1, 2),
        links=Links(abs="https://arxiv.org/abs/2401.00001", pdf="https://arxiv.org/pdf/2401.00001"),
        categories=("cs.CV",) * 30,
    )
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def summary(p: Paper, lang: str = "en") -> Summary:
    long = "Takeaway " * 300
    return Summary(
        paper=p,
        lang=lang,
        provider="extractive",  # type: ignore[arg-type]
        content=SummaryContent(
            tldr="T" * 400,
            takeaways=[long] * 7,
            analysis=Analysis(background=long, prior_work=long, method=long, results=long, conclusion=long),
        ),
    )


def within_limits(e: discord.Embed) -> None:
    assert len(e) <= render.TOTAL
    assert len(e.title or "") <= render.TITLE and len(e.description or "") <= render.DESCRIPTION
    assert len(e.fields) <= render.FIELDS
    for f in e.fields:
        assert len(f.name) <= render.FIELD_NAME and len(f.value) <= render.FIELD_VALUE
    assert len(e.footer.text or "") <= render.FOOTER


def no_pings(e: discord.Embed) -> None:
    text = " ".join([e.title or "", e.description or "", *(f.name + f.value for f in e.fields)])
    assert "@everyone" not in text and "@here" not in text


def test_paper_embed_limits_escaping_and_200_authors() -> None:
    p = big_paper()
    for e in (
        render.paper_embed(p),
        render.paper_embed(p, summary(p)),
        render.analysis_embed(summary(p)),
        render.summary_embed(summary(p, "zh")),
    ):
        within_limits(e)
        no_pings(e)
    e = render.paper_embed(p)
    assert "\\*\\*Bold\\*\\*" in (e.title or "") and "\\_title\\_" in (e.title or "")
    assert "+188" in e.fields[0].value  # 200 authors: the first 12 and a count


def test_hits_embed_with_25_huge_hits_fits_6000() -> None:
    hits = [SearchHit(paper=big_paper(id=f"2401.{i:05d}"), score=0.5, rank=i + 1) for i in range(30)]
    e = render.hits_embed("q" * 500, hits, 0, 3, {h.paper.id: "tl;dr @everyone " * 50 for h in hits})
    within_limits(e)
    no_pings(e)
    assert e.fields  # trimmed, not emptied


def test_answer_embed_chinese_and_citation_links() -> None:
    p = big_paper(title="医学图像配准 [with brackets]")
    cites = [
        Citation(n=i, id=f"x{i}", title=p.title, url="https://arxiv.org/abs/2401.00001") for i in range(1, 6)
    ]
    a = Answer(
        question="MambaMorph用了什么方法?" * 50,
        lang="zh",
        text="答案 [1] @everyone " * 500,
        citations=cites,
        provider="extractive",
    )
    e = render.answer_embed(a)
    within_limits(e)
    no_pings(e)
    assert (
        e.fields[0].name == "来源"
        and "[1] [医学图像配准 (with brackets)](https://arxiv.org/abs/2401.00001)" in e.fields[0].value
    )


def test_split_message_respects_the_2000_limit() -> None:
    text = ("word " * 900 + "\n") * 3 + "z" * 4500
    parts = render.split_message(text)
    assert all(len(x) <= 2000 for x in parts) and "".join(parts).replace(" ", "").replace(
        "\n", ""
    ) == text.replace(" ", "").replace("\n", "")


def test_help_and_topics_embeds() -> None:
    from index.topics import load_topics

    within_limits(render.help_embed(True))
    e = render.topics_embed(load_topics(), {"NeRF": 14})
    within_limits(e)
    assert "14 papers" in e.fields[0].value


def test_readme_permissions_integer_matches_what_the_bot_needs() -> None:
    from pathlib import Path

    needed = discord.Permissions(
        view_channel=True,
        send_messages=True,
        send_messages_in_threads=True,
        create_public_threads=True,
        embed_links=True,
        add_reactions=True,
        read_message_history=True,
    )
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert f"permissions integer **{needed.value}**" in readme and f"permissions={needed.value}" in readme


def test_digest_header_says_when_the_per_run_cap_held_papers_back() -> None:
    from bot.poster import digest_message
    from index.digests.runner import Outgoing
    from index.models import Digest, DigestEntry

    entries = [
        DigestEntry(
            paper=big_paper(id=f"2401.0000{i}"),
            score=1.0,
            tldr="t",
            takeaways=["a", "b", "c"],
            summary_provider="extractive",
        )
        for i in range(3)
    ]
    d = Digest(
        topic="NeRF", date=date(2024, 4, 1), announced=True, total_new=9, shown=entries[:2], rest=entries[2:]
    )
    text = digest_message(Outgoing("header", "digest 1/2024-04-01", digest=d))["embed"].description
    assert (
        text
        == "9 new papers, 2 shown here, 1 more in the thread below; the 3 most relevant are posted, 6 more are in /search."
    )


def venue_paper(**kw: object) -> Paper:
    """A proceedings paper with its code and project page, as imported from a conference list (issue 24)."""
    base: dict[str, object] = dict(
        id="cvpr2020:focalmix",
        title="FocalMix: Semi-Supervised Learning for 3D Medical Image Detection",
        authors=("Dong Wang",),
        abstract="Abstract.",
        venue="CVPR 2020",
        published=date(2020, 1, 1),
        published_year_only=True,
        links=Links(
            abs="https://openaccess.thecvf.com/content_CVPR_2020/html/Wang_FocalMix_paper.html",
            other=("https://github.com/DIAL-RPI/FocalMix", "https://dial-rpi.github.io/focalmix/"),
        ),
    )
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_search_card_shows_the_venue_and_the_code_link() -> None:
    e = render.hits_embed(
        "focal", [SearchHit(paper=venue_paper(), score=0.8, rank=1)], 0, 1, {"cvpr2020:focalmix": "tl"}
    )
    value = e.fields[0].value
    assert value.splitlines()[1] == (
        "CVPR 2020 · has code: [github.com/DIAL-RPI/FocalMix](https://github.com/DIAL-RPI/FocalMix) +1"
    )
    assert value.splitlines()[2] == "tl" and " · 2020 · " in value.splitlines()[0]


def test_search_card_of_a_paper_without_venue_or_code_has_no_badge_line() -> None:
    plain = venue_paper(venue=None, links=Links(abs="https://arxiv.org/abs/2401.00001"))
    value = (
        render.hits_embed("q", [SearchHit(paper=plain, score=0.8, rank=1)], 0, 1, {"cvpr2020:focalmix": "tl"})
        .fields[0]
        .value
    )
    assert "has code" not in value and len(value.splitlines()) == 2


def test_paper_card_names_the_venue_and_lists_the_code() -> None:
    e = render.paper_embed(venue_paper())
    fields = {f.name: f.value for f in e.fields}
    assert "CVPR 2020" in fields["Details"] and "published 2020" in fields["Details"]
    assert fields["Code"] == (
        "[github.com/DIAL-RPI/FocalMix](https://github.com/DIAL-RPI/FocalMix) · "
        "[dial-rpi.github.io/focalmix](https://dial-rpi.github.io/focalmix/)"
    )


def test_digest_entry_card_says_where_the_paper_came_from() -> None:
    from bot.poster import digest_message
    from index.digests.posting import Outgoing
    from index.models import Digest, DigestEntry

    entry = DigestEntry(
        paper=venue_paper(), score=1.0, tldr="t", takeaways=["a"], summary_provider="extractive",
        origin="imported: cvpr2020-medical-zh",
    )  # fmt: skip
    d = Digest(topic="medical", date=date(2024, 4, 1), announced=True, total_new=1, shown=[entry])
    e = digest_message(Outgoing("entry", "digest 1/2024-04-01", digest=d, entry=entry, position=1))["embed"]
    (field,) = [f for f in e.fields if f.name == "Venue · code · source"]
    assert field.value.startswith("CVPR 2020 · has code: [github.com/DIAL-RPI/FocalMix](")
    assert field.value.endswith(" · from imported: cvpr2020-medical-zh")
    within_limits(e)


def test_venue_and_code_badges_stay_within_discord_limits_and_never_ping() -> None:
    long_repo = "https://github.com/o/" + "r" * 500  # past MAX_LINK: shown as its label, not a link
    repos = tuple(f"https://github.com/owner{i}/{'repo_' * 60}{i}" for i in range(40))
    p = big_paper(
        venue="@everyone **CVPR** " + "V" * 400,
        links=Links(abs="https://arxiv.org/abs/2401.00001", other=(long_repo, *repos)),
    )
    hits = [SearchHit(paper=p, score=1.0, rank=i) for i in range(1, 26)]
    card, page = render.paper_embed(p), render.hits_embed("q", hits, 0, 1, {})
    entry = render.add_provenance(render.paper_embed(p), p, "@here " + "o" * 300)
    for e in (card, page, entry):
        within_limits(e)
        no_pings(e)
    code = {f.name: f.value for f in card.fields}["Code"]
    assert code.startswith("github.com/o/rrr") and "](" + long_repo not in code
    shown = code.split(" · ")
    assert len(shown) > 1 and all(
        s.startswith("[") and s.endswith(")") for s in shown[1:]
    )  # whole links only
