"""Validation of a DSL model against the real environment, step by step.

`validate_model` plays random-policy episodes of a real environment (`worldcoder.envs.collect`),
asks the model for the next state, reward and done at every step, and counts agreement. The
first disagreement is kept and rendered field by field, so a model author sees what to fix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from dsl import core as C
from dsl.compile import compile_program
from dsl.interp import require_model, run_step
from dsl.values import Mission, Outcome, State, state_from_json
from worldcoder.envs import collect

Predict = Callable[[State, str, Mission], Outcome]


@dataclass(frozen=True, slots=True)
class Mismatch:
    episode: int
    step: int
    action: str
    mission: str
    differences: tuple[str, ...]

    def render(self) -> str:
        head = f"episode {self.episode}, step {self.step}, action {self.action} (mission: {self.mission!r})"
        return head + "\n" + "\n".join(f"  {d}" for d in self.differences)


@dataclass(frozen=True, slots=True)
class Agreement:
    steps: int
    agreed: int
    episodes: int
    first_mismatch: Mismatch | None

    @property
    def fraction(self) -> float:
        return self.agreed / self.steps if self.steps else 1.0


def predictor(program: C.Program, engine: str = "compiled") -> Predict:
    """The model's step function: the compiled model (default) or the interpreter."""
    require_model(program)
    if engine == "interp":
        return lambda s, a, m: run_step(program, s, a, m)
    return compile_program(program).step


def validate_model(
    program: C.Program,
    records: Iterable[dict[str, Any]],
    *,
    engine: str = "compiled",
    on_step: Callable[[int], None] | None = None,
) -> Agreement:
    """Compare the model with recorded real transitions (as produced by `collect`)."""
    predict = predictor(program, engine)
    steps = agreed = 0
    episodes: set[int] = set()
    first: Mismatch | None = None
    for rec in records:
        diffs = compare(program.schema, predict, rec)
        steps += 1
        episodes.add(int(rec.get("episode", 0)))
        if not diffs:
            agreed += 1
        elif first is None:
            first = Mismatch(
                int(rec.get("episode", 0)),
                int(rec.get("step", 0)),
                rec["action"],
                rec["mission"],
                diffs,
            )
        if on_step is not None:
            on_step(steps)
    return Agreement(steps, agreed, len(episodes), first)


def compare(schema: C.Schema, predict: Predict, rec: dict[str, Any]) -> tuple[str, ...]:
    """Readable differences between the model's prediction and one real transition."""
    state = state_from_json(schema, rec["state"], "state")
    real = state_from_json(schema, rec["next_state"], "next_state")
    got = predict(state, rec["action"], Mission.of(rec["mission"]))
    reward, done = float(rec["reward"]), bool(rec["done"])
    return tuple(got.differences(schema, real, reward, done, "environment"))


def play_and_validate(
    program: C.Program,
    env_id: str,
    episodes: int,
    seed: int,
    *,
    max_steps: int | None = None,
    level_file: str | None = None,
    level: int | None = None,
    engine: str = "compiled",
    on_step: Callable[[int], None] | None = None,
) -> Agreement:
    records = collect(
        env_id, episodes, seed, max_steps=max_steps, level_file=level_file, level=level
    )
    return validate_model(program, records, engine=engine, on_step=on_step)
