"""One entry point over every proposer: `synthesize(spec, proposer=...) -> Result`.

- "enum" (the offline default): `synth.enum_proposer`, field-by-field enumeration + optimism;
- "sketch": a user's program with holes filled by the solver (the optimistic-synthesis query
  when the spec asks for optimism, the consistency query otherwise);
- "llm": REx over whole programs from an OpenAI-compatible endpoint (`synth.llm`); when the
  best program is still refuted by the data, the offline proposer repairs it: its rules replace
  the LLM program's rules for exactly the fields the data refutes (`synth.repair`). When no
  valid program came back at all, the result says so (no offline program stands in for it).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from dsl.check import check_modules
from dsl.errors import DslError
from dsl.holes import fill_module
from dsl.parse import load_modules, parse_module
from dsl.pretty import pretty
from solver import Limits, check_consistency, optimistic
from synth.enum_proposer import synthesize_enum
from synth.repair import refuted_fields, splice
from synth.score import check_candidate, score
from synth.spec import Cost, Result, Spec

if TYPE_CHECKING:
    from synth.llm import LLMCall, LLMConfig, ReplyLog

PROPOSERS = ("enum", "llm", "sketch")


def synthesize(
    spec: Spec,
    proposer: str = "enum",
    *,
    sketch: Path | None = None,
    llm: LLMConfig | None = None,
    replies: ReplyLog | None = None,
    on_call: Callable[[LLMCall], None] | None = None,
) -> Result:
    """The best program `proposer` finds for `spec`. For "llm", `replies` keeps answered
    requests (replayed instead of re-sent) and `on_call` hears of every HTTP attempt."""
    if proposer == "enum":
        return synthesize_enum(spec, Cost())
    if proposer == "sketch":
        if sketch is None:
            raise ValueError("the sketch proposer needs a sketch file (--sketch F)")
        return fill_sketch(spec, sketch)
    if proposer == "llm":
        if llm is None:
            raise ValueError(
                "the llm proposer needs an LLM configuration (--llm-model, OPENAI_API_KEY)"
            )
        from synth.llm import run_llm

        result = run_llm(spec, llm, replies=replies, on_call=on_call)
        return result if _done(result) or not result.text else repair(spec, result)
    raise ValueError(f"unknown proposer {proposer!r}; choose one of {', '.join(PROPOSERS)}")


def fill_sketch(spec: Spec, path: Path) -> Result:
    """Fill a sketch's holes with the solver; the result is the sketch's text with values in."""
    started = time.perf_counter()
    modules = load_modules(path)
    program = check_modules(modules)
    limits = Limits(timeout=spec.budget.seconds)
    if spec.optimism is not None:
        state, mission = spec.optimism.starts[0]
        answer = optimistic(program, spec.data, state, mission, spec.optimism.horizon, limits)
    else:
        answer = check_consistency(program, spec.data, limits, engine="solver")
    cost = Cost(candidates=1, solver_seconds=answer.seconds, seconds=time.perf_counter() - started)
    main = modules[-1]
    if answer.status != "sat":
        failing = answer.failing or [line for line, _ in spec.data]
        return Result(
            pretty(main), False, False if spec.optimism else None, failing, cost, "sketch"
        )
    by_pos = {str(h.pos): h.pos for h in program.holes}
    filled = fill_module(main, {by_pos[k]: v for k, v in answer.holes.items() if k in by_pos})
    return Result(pretty(filled), True, True if spec.optimism else None, [], cost, "sketch")


def _done(result: Result) -> bool:
    return result.consistent and result.optimistic is not False


def repair(spec: Spec, result: Result) -> Result:
    """The offline proposer's repair of a program the data refutes: its rules for the refuted
    fields spliced into the program (kept when that is consistent and no less optimistic than
    the offline program alone), else the offline program. Costs add up."""
    offline = synthesize_enum(spec, Cost())
    cost = _added(result.cost, offline.cost)
    spliced = _spliced(spec, result.text, offline.text) if result.text and offline.text else None
    if spliced is not None:
        s = score(spec, spliced)
        cost.candidates += 1
        if s.consistent and (s.optimistic is not False or offline.optimistic is False):
            return Result(spliced, True, s.optimistic, [], cost, "llm+enum", offline.alternatives)
    return replace(offline, cost=cost, proposer="llm+enum")


def _spliced(spec: Spec, text: str, donor: str) -> str | None:
    try:
        program = check_candidate(spec, text)
        fields = refuted_fields(program, (t for _, t in spec.data))
        return pretty(splice(parse_module(text), parse_module(donor), fields))
    except DslError:
        return None


def _added(a: Cost, b: Cost) -> Cost:
    return Cost(
        candidates=a.candidates + b.candidates,
        solver_seconds=a.solver_seconds + b.solver_seconds,
        llm_calls=a.llm_calls + b.llm_calls,
        llm_tokens=a.llm_tokens + b.llm_tokens,
        llm_failures=a.llm_failures + b.llm_failures,
        llm_replayed=a.llm_replayed + b.llm_replayed,
        seconds=a.seconds + b.seconds,
    )
