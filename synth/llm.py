"""The LLM proposer: whole programs from any OpenAI-compatible endpoint, through `openai`.

`--llm-grammar` chooses how the reply is held to grammar.lark:

- `openai`: the Responses API with a custom tool whose input format is the Lark grammar; the
  program is the tool call's input.
- `vllm`: Chat Completions with `extra_body={"structured_outputs": {"grammar": ...}}`.
- `none`: Chat Completions, unconstrained; Markdown fences are stripped from the reply.

Every reply is parsed and type checked against the prior; DSL errors go back to the model for at
most `budget.repair_rounds` repairs. Each HTTP attempt counts in `Cost.llm_calls` (the budget is
`budget.llm_calls`), usage tokens in `Cost.llm_tokens`, and every attempt that yields no valid
program (timeout, 429/5xx, malformed or off-grammar reply) in `Cost.llm_failures`. The client's
own retries are off: this module retries 429, 5xx, timeouts and connection errors with
exponential backoff (honouring Retry-After), and never raises on a bad reply.

A caller may pass a `ReplyLog`: every answered request (keyed by a hash of what was sent) is
recorded there, and a request already answered is served from it without an HTTP call, so a
learning run killed during synthesis repeats none of the calls it had paid for. An `on_call`
observer hears of every attempt (`LLMCall`: outcome, tokens, seconds, whether it was replayed).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, cast, get_args

import openai
from openai.types.chat import ChatCompletionMessageParam
from openai.types.responses import CustomToolParam, ResponseInputParam

from dsl.errors import DslError
from dsl.parse import grammar_text, strip_imports
from dsl.syntax import Module
from synth.prompt import TOOL_NAME, Message, build_prompt, repair_message
from synth.rex import Candidate, rex
from synth.score import Score, check_candidate, prior_modules, score
from synth.spec import Cost, Result, Spec

GrammarMode = Literal["openai", "vllm", "none"]
GRAMMAR_MODES: tuple[str, ...] = get_args(GrammarMode)
_RETRYABLE = frozenset({408, 409, 429})
_FENCE = re.compile(r"```[^\n]*\n(.*?)(?:```|$)", re.DOTALL)


class LLMConfigError(ValueError):
    """The LLM proposer is not configured (no model or no API key, a bad option)."""


@dataclass(frozen=True)
class LLMConfig:
    model: str
    api_key: str = field(repr=False)
    base_url: str | None = None
    grammar: GrammarMode = "openai"
    timeout: float = 120.0
    """Seconds per HTTP attempt."""
    max_retries: int = 4
    """Retries of one request after 429, 5xx, a timeout or a connection error."""
    backoff_base: float = 1.0
    """The first retry waits this long, each further one twice as long (capped by backoff_max)."""
    backoff_max: float = 30.0
    temperature: float | None = None
    max_output_tokens: int | None = None
    rex_c: float = 5.0
    seed: int = 0

    def __post_init__(self) -> None:
        if self.grammar not in GRAMMAR_MODES:
            raise LLMConfigError(
                f"--llm-grammar must be one of {', '.join(GRAMMAR_MODES)}, not {self.grammar!r}"
            )
        if self.timeout <= 0 or self.max_retries < 0 or self.backoff_base < 0:
            raise LLMConfigError("timeout must be positive; retries and backoff non-negative")

    @classmethod
    def from_flags(
        cls,
        model: str | None = None,
        base_url: str | None = None,
        api_key: str | None = None,
        grammar: str = "openai",
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = 120.0,
        max_retries: int = 4,
        seed: int = 0,
    ) -> LLMConfig:
        """Flags first, then OPENAI_API_KEY / OPENAI_BASE_URL; a clear error if anything is missing."""
        environ = os.environ if env is None else env
        key = api_key or environ.get("OPENAI_API_KEY")
        if not model:
            raise LLMConfigError("no LLM model: pass --llm-model NAME (e.g. gpt-5-mini)")
        if not key:
            raise LLMConfigError(
                "no API key: set OPENAI_API_KEY (any non-empty value for an endpoint without "
                "authentication, such as a local vLLM server)"
            )
        return cls(
            model=model,
            api_key=key,
            base_url=base_url or environ.get("OPENAI_BASE_URL") or None,
            grammar=cast(GrammarMode, grammar),
            timeout=timeout,
            max_retries=max_retries,
            seed=seed,
        )


# ----------------------------------------------------------------------------- replies


@dataclass(frozen=True)
class Reply:
    """What one successful HTTP call brought back; `text` is None when nothing usable came."""

    text: str | None
    tokens: int = 0
    call_id: str | None = None
    error: str = ""
    """Why `text` is None, when known."""


@dataclass(frozen=True)
class LLMCall:
    """One attempt at the endpoint, as an observer hears of it.

    `outcome`: "reply" (a usable text came back), "empty" (an answer with nothing usable),
    "retry" (429, 5xx, timeout or connection error; tried again), "refused" (a 4xx such as a bad
    key: the endpoint is given up), "replayed" (answered from the `ReplyLog`, no HTTP call)."""

    outcome: Literal["reply", "empty", "retry", "refused", "replayed"]
    tokens: int = 0
    seconds: float = 0.0
    detail: str = ""


class ReplyLog(Protocol):
    """Where answered requests are kept: `get` a recorded reply by key, `put` a new one."""

    def get(self, key: str) -> Reply | None: ...

    def put(self, key: str, reply: Reply) -> None: ...


def request_key(config: LLMConfig, messages: list[Message], turns: list[Turn]) -> str:
    """A stable hash of everything one request sends (model, grammar mode, prompt, repairs)."""
    sent = {
        "model": config.model,
        "grammar": config.grammar,
        "temperature": config.temperature,
        "messages": messages,
        "turns": [[t.reply.text, t.errors] for t in turns],
    }
    return hashlib.sha256(json.dumps(sent, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Retry:
    """A transient failure; `after` is the server's Retry-After in seconds, if it sent one."""

    after: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class Turn:
    """A rejected reply and the errors sent back for it."""

    reply: Reply
    errors: str


def strip_fences(text: str) -> str:
    """The first Markdown code block's body, or the whole text when there is none."""
    match = _FENCE.search(text)
    return (match.group(1) if match else text).strip()


def _tokens(usage: object) -> int:
    total = getattr(usage, "total_tokens", None)
    return total if isinstance(total, int) else 0


def read_responses(response: object) -> Reply:
    """The custom tool call's input, else any output text."""
    tokens = _tokens(getattr(response, "usage", None))
    for item in getattr(response, "output", None) or []:
        if (
            getattr(item, "type", None) == "custom_tool_call"
            and getattr(item, "name", None) == TOOL_NAME
        ):
            text = getattr(item, "input", None)
            call_id = getattr(item, "call_id", None)
            if isinstance(text, str):
                return Reply(text.strip(), tokens, call_id if isinstance(call_id, str) else None)
    try:
        fallback = getattr(response, "output_text", "")
    except (AttributeError, TypeError):
        fallback = ""
    text = strip_fences(fallback) if isinstance(fallback, str) else ""
    return Reply(text or None, tokens)


def read_chat(completion: object, fenced: bool) -> Reply:
    tokens = _tokens(getattr(completion, "usage", None))
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        return Reply(None, tokens)
    content = getattr(getattr(choices[0], "message", None), "content", None)
    if not isinstance(content, str) or not content.strip():
        return Reply(None, tokens)
    return Reply(strip_fences(content) if fenced else content.strip(), tokens)


# ----------------------------------------------------------------------------- requests


def _chat_messages(messages: list[Message], turns: list[Turn]) -> list[ChatCompletionMessageParam]:
    out = [{"role": m["role"], "content": m["content"]} for m in messages]
    for turn in turns:
        out.append({"role": "assistant", "content": turn.reply.text or ""})
        out.append({"role": "user", "content": repair_message(turn.errors)})
    return cast(list[ChatCompletionMessageParam], out)


def _responses_input(messages: list[Message], turns: list[Turn]) -> ResponseInputParam:
    out = [{"role": m["role"], "content": m["content"]} for m in messages if m["role"] != "system"]
    for turn in turns:
        call_id, text = turn.reply.call_id, turn.reply.text or ""
        if call_id is None:
            out.append({"role": "assistant", "content": text})
            out.append({"role": "user", "content": repair_message(turn.errors)})
            continue
        out.append(
            {"type": "custom_tool_call", "call_id": call_id, "name": TOOL_NAME, "input": text}
        )
        out.append(
            {
                "type": "custom_tool_call_output",
                "call_id": call_id,
                "output": repair_message(turn.errors),
            }
        )
    return cast(ResponseInputParam, out)


def program_tool() -> CustomToolParam:
    return {
        "type": "custom",
        "name": TOOL_NAME,
        "description": "Submit the whole WorldCoder DSL program body (no imports).",
        "format": {"type": "grammar", "syntax": "lark", "definition": grammar_text()},
    }


def _optional(value: Any) -> Any:
    return openai.omit if value is None else value


def _retry_after(err: openai.APIStatusError) -> float | None:
    """The server's wait in seconds (retry-after-ms or retry-after), if it gave a number."""
    headers = err.response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        try:
            return max(0.0, float(headers[name]) * scale)
        except (KeyError, ValueError):
            continue
    return None


# ----------------------------------------------------------------------------- the proposer


@dataclass
class LLMProposer:
    """Asks the model for whole programs; `propose` returns a checked program body or None."""

    config: LLMConfig
    spec: Spec
    cost: Cost
    deadline: float | None = None
    """time.monotonic() after which no call starts."""
    client: openai.OpenAI | None = None
    sleep: Callable[[float], None] = time.sleep
    replies: ReplyLog | None = None
    """Answered requests: consulted before, and written after, every HTTP call."""
    on_call: Callable[[LLMCall], None] | None = None
    """Hears of every attempt (for the run's events)."""
    broken: str | None = field(default=None, init=False)
    """Why the endpoint is unusable (a 4xx such as a bad key or an unknown model), if it is."""
    prior: list[Module] = field(default_factory=list, init=False)
    http: openai.OpenAI = field(init=False)
    """The client in use: `client` if given, else one with the client's own retries off."""

    def __post_init__(self) -> None:
        self.http = self.client or openai.OpenAI(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            timeout=self.config.timeout,
            max_retries=0,
        )
        self.prior = prior_modules(self.spec)

    def exhausted(self) -> bool:
        late = self.deadline is not None and time.monotonic() >= self.deadline
        return late or self.broken is not None or self.cost.llm_calls >= self.spec.budget.llm_calls

    def propose(self, current_text: str | None, current_score: Score | None) -> str | None:
        """A whole program body that parses and checks, or None (budget, failures)."""
        messages = build_prompt(
            self.spec, current_text, current_score, tool=self.config.grammar == "openai"
        )
        turns: list[Turn] = []
        for _ in range(self.spec.budget.repair_rounds + 1):
            reply = self._call(messages, turns)
            if reply is None or reply.text is None:
                return None
            try:
                check_candidate(self.spec, reply.text, self.prior)
            except DslError as err:
                self.cost.llm_failures += 1
                self.cost.llm_rejected += 1
                self.cost.llm_last_error = str(err.diagnostics[0]) if err.diagnostics else str(err)
                turns.append(Turn(reply, str(err)))
                continue
            return reply.text
        return None

    def refine(self, candidate: Candidate[Score]) -> list[str]:
        """REx's refine: at most one new program for the candidate."""
        text = self.propose(candidate.text, candidate.score)
        return [] if text is None else [text]

    def _call(self, messages: list[Message], turns: list[Turn]) -> Reply | None:
        """One request, retried on transient errors; None when it failed or the budget ran out.
        A request the `ReplyLog` has already seen answered is served from it."""
        key = request_key(self.config, messages, turns)
        if self.exhausted():
            return None
        if self.replies is not None and (known := self.replies.get(key)) is not None:
            self.cost.llm_replayed += 1
            self._tell(LLMCall("replayed", known.tokens))
            return known
        for attempt in range(self.config.max_retries + 1):
            if self.exhausted():
                return None
            self.cost.llm_calls += 1
            started = time.monotonic()
            got = self._attempt(messages, turns)
            seconds = time.monotonic() - started
            if isinstance(got, Reply):
                self.cost.llm_tokens += got.tokens
                if got.text is None:
                    self.cost.llm_failures += 1
                    self.cost.llm_last_error = got.error or "an empty reply"
                self._tell(
                    LLMCall("reply" if got.text else "empty", got.tokens, seconds, got.error)
                )
                if self.replies is not None:
                    self.replies.put(key, got)
                return got
            self.cost.llm_failures += 1
            detail = self.broken or ("" if got is None else got.reason)
            self._tell(LLMCall("refused" if got is None else "retry", 0, seconds, detail))
            if got is None or attempt == self.config.max_retries:
                return None
            self._backoff(attempt, got.after)
        return None

    def _tell(self, call: LLMCall) -> None:
        if self.on_call is not None:
            self.on_call(call)

    def _attempt(self, messages: list[Message], turns: list[Turn]) -> Reply | Retry | None:
        """A reply (maybe empty), Retry after a transient failure, None after a permanent one."""
        log = logging.getLogger(__name__)
        try:
            return self._send(messages, turns)
        except openai.APIConnectionError as err:  # includes timeouts
            log.info("LLM call failed: %s", err)
            self.cost.llm_last_error = f"LLM call failed: {err}"
            return Retry(reason=type(err).__name__)
        except openai.APIStatusError as err:
            self.cost.llm_last_error = f"HTTP {err.status_code}: {err.message}"
            if err.status_code in _RETRYABLE or err.status_code >= 500:
                log.info("LLM call failed with HTTP %d", err.status_code)
                return Retry(_retry_after(err), f"HTTP {err.status_code}")
            self.broken = self.cost.llm_last_error
            log.warning("the LLM endpoint refused the request (%s); giving up", self.broken)
            return None
        except (openai.OpenAIError, ValueError) as err:  # an unreadable body and the like
            log.info("malformed LLM reply: %s", err)
            return Reply(None, error=f"malformed reply: {err}")

    def _backoff(self, attempt: int, retry_after: float | None) -> None:
        delay = retry_after
        if delay is None:
            delay = min(self.config.backoff_max, self.config.backoff_base * 2**attempt)
        if self.deadline is not None:
            delay = min(delay, max(0.0, self.deadline - time.monotonic()))
        if delay > 0:
            self.sleep(delay)

    def _timeout(self) -> float:
        if self.deadline is None:
            return self.config.timeout
        return max(0.001, min(self.config.timeout, self.deadline - time.monotonic()))

    def _send(self, messages: list[Message], turns: list[Turn]) -> Reply:
        if self.config.grammar == "openai":
            response = self.http.responses.create(
                model=self.config.model,
                instructions=messages[0]["content"],
                input=_responses_input(messages, turns),
                tools=[program_tool()],
                tool_choice={"type": "custom", "name": TOOL_NAME},
                temperature=_optional(self.config.temperature),
                max_output_tokens=_optional(self.config.max_output_tokens),
                timeout=self._timeout(),
            )
            return read_responses(response)
        extra = (
            {"structured_outputs": {"grammar": grammar_text()}}
            if self.config.grammar == "vllm"
            else None
        )
        completion = self.http.chat.completions.create(
            model=self.config.model,
            messages=_chat_messages(messages, turns),
            temperature=_optional(self.config.temperature),
            max_completion_tokens=_optional(self.config.max_output_tokens),
            extra_body=extra,
            timeout=self._timeout(),
        )
        return read_chat(completion, fenced=self.config.grammar == "none")


# ----------------------------------------------------------------------------- the search


def _initial(
    spec: Spec, proposer: LLMProposer, score_fn: Callable[[str], Score]
) -> list[Candidate[Score]]:
    """The warm start if there is one, else the first valid program proposed from scratch."""
    if spec.warm_start is not None:
        text = strip_imports(spec.warm_start)
        return [Candidate(text, score_fn(text))]
    while not proposer.exhausted():
        proposed = proposer.propose(None, None)
        if proposed is not None:
            return [Candidate(proposed, score_fn(proposed))]
    return []


def _done(candidate: Candidate[Score]) -> bool:
    return candidate.score.consistent and candidate.score.optimistic is not False


def run_llm(
    spec: Spec,
    config: LLMConfig,
    *,
    client: openai.OpenAI | None = None,
    sleep: Callable[[float], None] = time.sleep,
    replies: ReplyLog | None = None,
    on_call: Callable[[LLMCall], None] | None = None,
) -> Result:
    """REx over LLM proposals until a consistent (and optimistic, if asked) program or budget's end.

    Starts from `spec.warm_start` (its imports dropped) or from the first valid program proposed
    from scratch. `Result.text` is the best program's body, like the enumerative proposer's
    (`program_text` adds the imports); it is empty when no valid program came back at all.
    """
    started = time.monotonic()
    cost = Cost()
    proposer = LLMProposer(
        config, spec, cost, started + spec.budget.seconds, client, sleep, replies, on_call
    )

    def score_fn(text: str) -> Score:
        cost.candidates += 1
        return score(spec, text, proposer.prior)

    pool = _initial(spec, proposer, score_fn)
    found = None
    if pool:
        found = rex(
            pool,
            proposer.refine,
            score_fn,
            C=config.rex_c,
            rng=random.Random(config.seed),
            budget_steps=spec.budget.llm_calls,
            done=_done,
            stop=proposer.exhausted,
        )
    cost.seconds = time.monotonic() - started
    if found is None:
        optimistic = None if spec.optimism is None else False
        return Result("", False, optimistic, [line for line, _ in spec.data], cost, "llm")
    return Result(
        found.text,
        found.score.consistent,
        found.score.optimistic,
        list(found.score.failing),
        cost,
        "llm",
    )
