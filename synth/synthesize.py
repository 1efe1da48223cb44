"""One entry point over every proposer: `synthesize(spec, proposer=...) -> Result`.

- "enum" (the offline default): `synth.enum_proposer`, field-by-field enumeration + optimism;
- "sketch": a user's program with holes filled by the solver (the optimistic-synthesis query
  when the spec asks for optimism, the consistency query otherwise);
- "llm": REx over whole programs from an OpenAI-compatible endpoint (`synth.llm`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from dsl.check import check_modules
from dsl.holes import fill_module
from dsl.parse import load_modules
from dsl.pretty import pretty
from solver import Limits, check_consistency, optimistic
from synth.enum_proposer import synthesize_enum
from synth.spec import Cost, Result, Spec

if TYPE_CHECKING:
    from synth.llm import LLMConfig

PROPOSERS = ("enum", "llm", "sketch")


def synthesize(
    spec: Spec, proposer: str = "enum", *, sketch: Path | None = None, llm: LLMConfig | None = None
) -> Result:
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

        return run_llm(spec, llm)
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
