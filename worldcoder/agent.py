"""The learning agent (the paper's loop): act, compare, synthesize, plan.

Each episode: reset; if the current model is missing, inconsistent with the data, or not
optimistic for the start state and mission, synthesize (warm-started from the current model);
plan in the model to a state where the reward fires; act, comparing every real step with the
model's prediction. A mismatch is a counter-example: it is stored, the model is refined and the
agent replans from where it stands. When no optimistic model or no plan is found, it explores
with random actions. Everything is logged to a run directory (`worldcoder.rundir`) from which a
killed run resumes with no transition lost or duplicated.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from dsl.errors import DslError
from dsl.values import Mission, State, Transition, state_from_json, transition_from_json
from solver import Limits
from solver import plan as z3_plan
from solver.bfs import bfs_plan
from synth import Budget, Optimism, Spec, synthesize
from synth.score import check_candidate, program_text
from worldcoder.envs import ObjectEnv, domain_of, make_env
from worldcoder.rundir import RunDir

MODELS = Path(__file__).resolve().parents[1] / "models"
PRIORS = {"minigrid": "minigrid_prior.wc", "sokoban": "sokoban_prior.wc", "taxi": "taxi_prior.wc"}
PLANNERS = ("bfs", "z3")


@dataclass(frozen=True)
class LearnConfig:
    env: str
    episodes: int = 30
    seed: int = 0
    proposer: str = "enum"
    planner: str = "bfs"
    horizon: int = 40
    max_steps: int | None = None
    streak: int = 10
    budget_seconds: float = 300.0
    explore_steps: int = 100
    """Random steps taken before the first synthesis (a model needs some data)."""


@dataclass
class Stats:
    env_steps: int = 0
    episodes: int = 0
    successes: int = 0
    streak: int = 0
    steps_to_first_success: int | None = None
    synthesis_seconds: float = 0.0
    solver_seconds: float = 0.0
    synth_calls: int = 0
    llm_calls: int = 0
    llm_tokens: int = 0
    counterexamples: int = 0
    curve: list[dict[str, Any]] = field(default_factory=list)


Progress = Callable[[str], None]


class Agent:
    def __init__(self, config: LearnConfig, run: RunDir, progress: Progress | None = None) -> None:
        self.config = config
        self.run = run
        self.progress = progress or (lambda _msg: None)
        self.prior = MODELS / PRIORS[domain_of(config.env)]
        self.prior_spec = Spec(
            (), (self.prior,)
        )  # the prior alone: for checking and writing models
        self.schema = check_file(self.prior).schema
        self.env: ObjectEnv = make_env(config.env, max_steps=config.max_steps)
        self.rng = random.Random(config.seed)
        self.data: list[tuple[int, Transition]] = []
        self.model_text: str | None = None
        self.model: CompiledModel | None = None
        self.stats = Stats()
        self.started = time.perf_counter()
        self.model_ok = False
        self.explore_until = 0
        self._resume()

    # -- resume

    def _resume(self) -> None:
        records = self.run.records("transitions.jsonl")
        for rec in records:
            self._remember(rec)
        self.next_episode = max((int(r["episode"]) for r in records), default=-1) + 1
        for rec in self.run.records("events.jsonl"):
            if rec.get("event") == "episode":
                self.stats.episodes += 1
                self.stats.successes += int(rec["success"])
                self.stats.streak = rec["streak"]
                if rec["success"] and self.stats.steps_to_first_success is None:
                    self.stats.steps_to_first_success = rec["env_steps"]
        latest = self.run.latest_model()
        if latest is not None:
            self._accept(latest.read_text(), save=False)

    def _remember(self, rec: dict[str, Any]) -> None:
        line = len(self.data) + 1
        self.data.append(
            (line, transition_from_json(self.schema, rec, f"transitions.jsonl:{line}"))
        )
        self.stats.env_steps = len(self.data)

    # -- the loop

    def learn(self) -> dict[str, Any]:
        for episode in range(self.next_episode, self.config.episodes):
            success = self.episode(episode)
            self.stats.episodes += 1
            self.stats.successes += int(success)
            self.stats.streak = self.stats.streak + 1 if success else 0
            if success and self.stats.steps_to_first_success is None:
                self.stats.steps_to_first_success = self.stats.env_steps
            self.run.append("events.jsonl", {"event": "episode", "episode": episode, "success": success,
                                             "streak": self.stats.streak, "env_steps": self.stats.env_steps})  # fmt: skip
            self.stats.curve.append({"env_steps": self.stats.env_steps, "success": success})
            self.run.write_report(self.report())
            self.progress(self.status(episode))
            if self.stats.streak >= self.config.streak:
                break
        self.env.close()
        report = self.report()
        self.run.write_report(report)
        return report

    def episode(self, episode: int) -> bool:
        state_json, mission_text = self.env.reset(seed=self.config.seed + episode)
        state = state_from_json(self.schema, state_json)
        mission = Mission.of(mission_text)
        plan: list[str] = []
        for step in range(10_000):
            if not plan:
                plan = self.plan_from(state, mission)
            action = plan.pop(0) if plan else self.rng.choice(self.env.actions)
            out = self.env.step(action)
            rec = {"state": state_json, "action": action, "next_state": out.state, "reward": out.reward,
                   "done": out.terminated, "mission": mission_text, "raw_reward": out.raw_reward,
                   "truncated": out.truncated, "episode": episode, "step": step}  # fmt: skip
            self.run.append("transitions.jsonl", rec)
            self._remember(rec)
            t = self.data[-1][1]
            if self.model is not None and not self._predicts(t):
                self.stats.counterexamples += 1
                self.run.append(
                    "events.jsonl",
                    {"event": "counterexample", "line": len(self.data), "action": action},
                )
                self.model_ok = False
                plan = []
            state_json, state = out.state, t.next_state
            if out.terminated or out.truncated:
                return out.reward > 0
            self.progress(self.status(episode))
        return False

    def _predicts(self, t: Transition) -> bool:
        assert self.model is not None
        return self.model.step(t.state, t.action, t.mission).matches(t)

    # -- planning and synthesis

    def plan_from(self, state: State, mission: Mission) -> list[str]:
        if self.model is None and len(self.data) < self.config.explore_steps:
            return []  # random exploration until there is data to learn from
        if self.stats.env_steps < self.explore_until:
            return []  # exploring after a failed synthesis: gather data before trying again
        if self.model is None or not self.model_ok:
            self.synthesize(state, mission)
        if self.model is None:
            return self._explore()
        found = self._plan(state, mission)
        if found is None:  # not optimistic from here: refine with this start state
            self.synthesize(state, mission)
            found = self._plan(state, mission) if self.model is not None else None
        if found is None:
            return self._explore()
        self.run.append("events.jsonl", {"event": "plan", "env_steps": self.stats.env_steps,
                                         "length": None if found is None else len(found)})  # fmt: skip
        return found or []

    def _explore(self) -> list[str]:
        """No optimistic model: act randomly for a while, then synthesize again."""
        self.explore_until = self.stats.env_steps + self.config.explore_steps
        self.run.append("events.jsonl", {"event": "explore", "env_steps": self.stats.env_steps,
                                         "until": self.explore_until})  # fmt: skip
        return []

    def _plan(self, state: State, mission: Mission) -> list[str] | None:
        assert self.model is not None
        t0 = time.perf_counter()
        if self.config.planner == "z3":
            result = z3_plan(
                self.model.program, state, mission, self.config.horizon, Limits(timeout=60)
            )
            found = result.plan if result.status == "sat" else None
        else:
            search = bfs_plan(
                self.model, state, mission, self.config.horizon, max_nodes=300_000, timeout=30
            )
            found = list(search.plan) if search.status == "sat" else None
        self.stats.solver_seconds += time.perf_counter() - t0
        return found

    def synthesize(self, state: State, mission: Mission) -> None:
        spec = Spec(tuple(self.data), (self.prior,), Optimism(((state, mission),), self.config.horizon),
                    Budget(seconds=self.config.budget_seconds), warm_start=self.model_text)  # fmt: skip
        t0 = time.perf_counter()
        self.progress(f"synthesizing from {len(self.data)} transitions ...")
        result = synthesize(spec, self.config.proposer)
        seconds = time.perf_counter() - t0
        self.stats.synth_calls += 1
        self.stats.synthesis_seconds += seconds
        self.stats.solver_seconds += result.cost.solver_seconds
        self.stats.llm_calls += result.cost.llm_calls
        self.stats.llm_tokens += result.cost.llm_tokens
        self.run.append("events.jsonl", {"event": "synthesis", "env_steps": self.stats.env_steps,
                                         "consistent": result.consistent, "optimistic": result.optimistic,
                                         "failing": len(result.failing), "seconds": seconds,
                                         "candidates": result.cost.candidates})  # fmt: skip
        if result.text and result.consistent:
            self._accept(result.text, save=True)

    def _accept(self, body: str, *, save: bool) -> None:
        try:
            program = check_candidate(self.prior_spec, body)
            self.model = compile_program(program)
        except DslError:
            return
        self.model_text = body
        self.model_ok = all(self._predicts(t) for _, t in self.data)
        if save:
            self.run.save_model(
                program_text(self.prior_spec, body, self.run.path / "models" / "x.wc")
            )

    # -- reporting

    def status(self, episode: int) -> str:
        s = self.stats
        model = "none" if self.model is None else ("consistent" if self.model_ok else "refining")
        return (f"episode {episode + 1}/{self.config.episodes}  steps {s.env_steps}  successes {s.successes} "
                f"(streak {s.streak})  model {model}  synth {s.synth_calls}x {s.synthesis_seconds:.0f}s")  # fmt: skip

    def report(self) -> dict[str, Any]:
        s = self.stats
        return {
            "env": self.config.env, "seed": self.config.seed, "proposer": self.config.proposer,
            "planner": self.config.planner, "total_env_steps": s.env_steps, "episodes": s.episodes,
            "successes": s.successes, "success_streak": s.streak,
            "steps_to_first_success": s.steps_to_first_success, "steps_to_correct_model": None,
            "synthesis_seconds": round(s.synthesis_seconds, 3), "solver_seconds": round(s.solver_seconds, 3),
            "synthesis_calls": s.synth_calls, "counterexamples": s.counterexamples,
            "llm_calls": s.llm_calls, "llm_tokens": s.llm_tokens,
            "final_model": str(self.run.latest_model()) if self.run.latest_model() else None,
            "config": asdict(self.config),
        }  # fmt: skip
