"""The LLM proposer end to end: the real `openai` client against a scripted local HTTP server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from bench.llm_server import FakeOpenAI, Recorded, error, raw, reply, slow
from dsl.check import BUILTINS, check_file
from dsl.errors import DslError
from dsl.parse import KEYWORDS, grammar_text, strip_imports
from dsl.values import transition_from_json
from synth.llm import (
    LLMConfig,
    LLMConfigError,
    LLMProposer,
    run_llm,
    strip_fences,
)
from synth.prompt import build_prompt, dsl_reference, render_failures, render_transitions
from synth.score import check_candidate, program_text, score
from synth.spec import Budget, Cost, Spec
from worldcoder.argtypes import add_llm_arguments, llm_config_from_args
from worldcoder.envs import collect

ROOT = Path(__file__).resolve().parents[1]
PRIOR = ROOT / "models" / "minigrid_hint.wc"

CORRECT = """\
transition {
  agent.x := if action == forward and not front_blocked() then fx() else agent.x
  agent.y := if action == forward and not front_blocked() then fy() else agent.y
  agent.dir :=
    match action { left => turn_left(agent.dir), right => turn_right(agent.dir), _ => agent.dir }
}
reward := if action == forward and front_kind() == goal then 1 else 0
done := action == forward and front_kind() == goal
"""
WRONG = """\
transition {
  agent.x := if action == forward and not front_blocked() then fx() else agent.x
  agent.y := if action == forward and not front_blocked() then fy() else agent.y
}
reward := 0
done := false
"""
OFF_GRAMMAR = "Sure! Here is the model:\ntransition { agent.x := agent.x +"


@pytest.fixture(scope="module")
def spec() -> Spec:
    schema = check_file(PRIOR).schema
    records = list(collect("MiniGrid-Empty-5x5-v0", 2, 0, max_steps=10))
    data = tuple(
        (i, transition_from_json(schema, rec, f"record {i}")) for i, rec in enumerate(records, 1)
    )
    return Spec(data, (PRIOR,), budget=Budget(seconds=60, llm_calls=10, repair_rounds=2))


def config(fake: FakeOpenAI, grammar: str, **kw: Any) -> LLMConfig:
    base: dict[str, Any] = {"timeout": 0.5, "max_retries": 3, "backoff_base": 0.01}
    base.update(kw)
    return LLMConfig("fake-model", "sk-test", fake.base_url, grammar, **base)  # type: ignore[arg-type]


def test_the_programs_are_what_the_script_claims(spec: Spec) -> None:
    assert score(spec, CORRECT).consistent
    wrong = score(spec, WRONG)
    assert wrong.program is not None and wrong.failing
    with pytest.raises(DslError):
        check_candidate(spec, OFF_GRAMMAR)


SCRIPT = (
    reply(WRONG, 100, 10),
    reply(OFF_GRAMMAR, 120, 12),
    error(429, retry_after="0"),
    slow(CORRECT, delay=1.5, input_tokens=999, output_tokens=999),
    reply(CORRECT, 140, 14),
)


def _grammar_sent(mode: str, request: Recorded) -> str:
    if mode == "openai":
        assert request.path == "/v1/responses"
        (tool,) = request.body["tools"]
        assert tool["type"] == "custom"
        assert request.body["tool_choice"] == {"type": "custom", "name": tool["name"]}
        assert tool["format"]["type"] == "grammar" and tool["format"]["syntax"] == "lark"
        return str(tool["format"]["definition"])
    assert request.path == "/v1/chat/completions"
    return str(request.body["structured_outputs"]["grammar"])


def _conversation(request: Recorded) -> str:
    key = "input" if request.path == "/v1/responses" else "messages"
    return str(request.body[key])


@pytest.mark.parametrize("mode", ["openai", "vllm"])
def test_wrong_offgrammar_429_timeout_then_correct(spec: Spec, mode: str) -> None:
    delays: list[float] = []
    with FakeOpenAI(SCRIPT) as fake:
        result = run_llm(spec, config(fake, mode), sleep=delays.append)
        requests = fake.requests
    assert result.consistent and result.failing == []
    assert result.text == CORRECT.strip()  # the body; `program_text` adds the imports
    assert result.proposer == "llm"
    cost = result.cost
    assert (cost.llm_calls, cost.llm_tokens, cost.llm_failures) == (5, 110 + 132 + 154, 3)
    assert cost.candidates == 2  # the wrong program and the correct one were scored
    assert delays == [0.01 * 2]  # the 429 said Retry-After 0; the timeout backs off (2nd retry)
    assert len(requests) == 5
    grammar = (ROOT / "grammar.lark").read_text(encoding="utf-8")
    assert all(_grammar_sent(mode, r) == grammar for r in requests)
    assert "wrong predictions" not in _conversation(requests[0])
    assert "expected 3, predicted 0" in _conversation(requests[1])  # the wrong program's dir
    repair = _conversation(requests[2])
    assert "Sure! Here is the model" in repair and "<candidate>:1:" in repair
    assert _conversation(requests[4]) == repair  # the retries resend the same request


def test_mode_none_strips_fences_and_sends_no_grammar(spec: Spec) -> None:
    with FakeOpenAI([reply(f"Here you go:\n```wc\n{CORRECT}```\nDone.", 50, 5)]) as fake:
        result = run_llm(spec, config(fake, "none"))
        (request,) = fake.requests
    assert result.consistent
    assert (result.cost.llm_calls, result.cost.llm_tokens, result.cost.llm_failures) == (1, 55, 0)
    assert "structured_outputs" not in request.body and "tools" not in request.body


@pytest.mark.parametrize("mode", ["openai", "vllm"])
def test_malformed_replies_are_counted_and_skipped(spec: Spec, mode: str) -> None:
    script = [raw(b"this is not JSON"), raw(b'{"id": "x"}'), error(500), reply(CORRECT, 7, 3)]
    with FakeOpenAI(script) as fake:
        result = run_llm(spec, config(fake, mode))
    assert result.consistent
    assert (result.cost.llm_calls, result.cost.llm_tokens, result.cost.llm_failures) == (4, 10, 3)


def test_call_budget_is_exact_when_every_call_fails(spec: Spec) -> None:
    budget = Budget(seconds=60, llm_calls=4, repair_rounds=2)
    tight = Spec(spec.data, spec.prior, budget=budget)
    with FakeOpenAI([error(503)] * 10) as fake:
        result = run_llm(tight, config(fake, "vllm", max_retries=1))
        assert fake.remaining == 6
    assert not result.consistent and result.text == ""
    assert result.failing == [line for line, _ in spec.data]
    assert (result.cost.llm_calls, result.cost.llm_failures) == (4, 4)


def test_repair_rounds_are_bounded(spec: Spec) -> None:
    with FakeOpenAI([reply(OFF_GRAMMAR)] * 5) as fake:
        cost = Cost()
        proposer = LLMProposer(config(fake, "openai"), spec, cost)
        assert proposer.propose(None, None) is None
        requests = fake.requests
    assert (cost.llm_calls, cost.llm_failures) == (3, 3)  # the first answer + 2 repairs
    assert [len(r.body["input"]) for r in requests] == [1, 3, 5]
    kinds = [item.get("type") for item in requests[2].body["input"][1:]]
    assert kinds == ["custom_tool_call", "custom_tool_call_output"] * 2


def test_a_refused_request_stops_the_proposer(spec: Spec) -> None:
    with FakeOpenAI([error(401), reply(CORRECT)]) as fake:
        result = run_llm(spec, config(fake, "vllm"))
        assert fake.remaining == 1
    assert not result.consistent
    assert (result.cost.llm_calls, result.cost.llm_failures) == (1, 1)


def test_a_consistent_warm_start_needs_no_call(spec: Spec) -> None:
    warm = Spec(spec.data, spec.prior, budget=spec.budget, warm_start=program_text(spec, CORRECT))
    with FakeOpenAI([]) as fake:
        result = run_llm(warm, config(fake, "openai"))
        assert fake.requests == []
    assert result.consistent and result.cost.llm_calls == 0


def test_config_from_flags_and_environment() -> None:
    env = {"OPENAI_API_KEY": "sk-env", "OPENAI_BASE_URL": "http://localhost:8000/v1"}
    got = LLMConfig.from_flags("m", env=env, grammar="vllm")
    assert (got.api_key, got.base_url, got.grammar) == (
        "sk-env",
        "http://localhost:8000/v1",
        "vllm",
    )
    flags = LLMConfig.from_flags("m", "http://x/v1", "sk-flag", env=env)
    assert (flags.api_key, flags.base_url) == ("sk-flag", "http://x/v1")
    with pytest.raises(LLMConfigError, match="--llm-model"):
        LLMConfig.from_flags(None, env=env)
    with pytest.raises(LLMConfigError, match="OPENAI_API_KEY"):
        LLMConfig.from_flags("m", env={})
    with pytest.raises(LLMConfigError, match="--llm-grammar"):
        LLMConfig.from_flags("m", grammar="xml", env=env)


def test_command_line_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = argparse.ArgumentParser()
    add_llm_arguments(parser)
    args = parser.parse_args(["--llm-model", "m", "--llm-grammar", "none", "--llm-retries", "1"])
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    got = llm_config_from_args(args)
    assert (got.model, got.grammar, got.max_retries, got.base_url) == ("m", "none", 1, None)
    assert "sk-env" not in repr(got)
    with pytest.raises(SystemExit):
        parser.parse_args(["--llm-grammar", "xml"])


def test_text_helpers() -> None:
    assert strip_fences("```\nabc\n```") == "abc"
    assert strip_fences("x\n```python\nabc\n") == "abc"
    assert strip_fences("  plain  ") == "plain"
    assert (
        strip_imports('import "a.wc"\nimport "b/c.wc"  # prior\n\ndone := true\n') == "done := true"
    )


def test_reference_is_generated_from_the_grammar() -> None:
    ref = dsl_reference()
    assert grammar_text().rstrip() in ref
    assert all(name in ref for name in BUILTINS)
    assert all(word in ref for word in KEYWORDS)


def test_prompt_shows_differences_and_failures(spec: Spec) -> None:
    left = next(line for line, t in spec.data if t.action == "left")
    shown = render_transitions(spec, [left], limit=5)
    assert "changes:\n    agent.dir: " in shown
    assert "agent.x:" not in shown  # unchanged fields are not listed as changes
    wrong = score(spec, WRONG)
    failures = render_failures(spec, wrong, limit=3)
    assert failures.count("wrong predictions:") == min(3, len(wrong.failing))
    assert "agent.dir: expected" in failures
    messages = build_prompt(spec, WRONG, wrong)
    assert [m["role"] for m in messages] == ["system", "user"]
    assert WRONG.strip() in messages[1]["content"]
    assert "def front_blocked" in messages[1]["content"]  # the prior, verbatim
    assert "def turn_left" in messages[1]["content"]  # and what it imports
