"""The learning agent (the paper's loop): act, compare, synthesize, plan.

Each episode: reset; if the current model is missing, inconsistent with the data, or not
optimistic for the start state and mission, synthesize (warm-started from the current model);
plan in the model to a state where the reward fires; act, comparing every real step with the
model's prediction. A mismatch is a counter-example: it is stored, the model is refined and the
agent replans from where it stands. When no optimistic model or no plan is found, it first
looks for a reachable situation where the current model and synthesis' alternative programs
predict differently (`distinguishing_path`) and goes there; failing that it explores (by
default an action never tried where it stands: `explore_action`). There is no random phase first:
the first synthesis call has no data, and its optimistic model is the first experiment. Every
accepted model is scored on the data and on a fixed held-out set, and checked
against the reference model (`worldcoder.correctness`) until one is proved equivalent.

Everything is logged to a run directory (`worldcoder.rundir`) as transitions and typed events
(`worldcoder.events`); the run's figures are a fold over those logs (`worldcoder.stats`), and a
killed run resumes from them exactly where it stopped (`worldcoder.resume`); plots are drawn
from them at the end (`worldcoder.plots`).
A curriculum (`worldcoder.curriculum`) hands an agent the transitions of earlier stages.

Without optimism (`LearnConfig.optimism=False`, the paper's ablation) synthesis is asked only to
reproduce the data, so a model believes in the goal only once a reward was seen. The agent then
explores while its model is missing, contradicted or sees no plan to the goal: `explore_steps`
actions at a time (at least one), by novelty (the default, `explore="novelty"`: an action never
tried in this state, else the one whose next state, as the current model predicts it, the agent
acted from least often) or at random, synthesizing again after a stretch in which the model was
contradicted. Once the model explains every transition and has a plan it
plans and acts like the optimistic agent, refining on counter-examples.

A run stops after `streak` successes in a row, or when `max_env_steps` or `episodes` run out.
With `until_correct` (the benchmarks' "env steps to a correct model") it stops instead once a model
is proved correct and the task was solved once. The correctness check is an observer: the agent's
actions never depend on the reference model (`until_correct` only decides when the run stops).
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dsl.check import check_file
from dsl.compile import CompiledModel, compile_program
from dsl.errors import DslError, RunError
from dsl.parse import strip_imports
from dsl.values import (
    Mission,
    State,
    Transition,
    state_from_json,
    state_to_json,
    transition_from_json,
)
from plan import run_planner
from plan.bfs import path_to
from synth import Budget, Optimism, Spec, synthesize
from synth.llm import LLMCall, LLMConfig, Reply
from synth.score import check_candidate, program_text
from worldcoder.correctness import check_model
from worldcoder.domains import DEFAULT_PRIOR, env_domain
from worldcoder.envs import ObjectEnv, collect, make_env
from worldcoder.events import (
    Correctness,
    Counterexample,
    Distinguish,
    Episode,
    Event,
    Explore,
    LlmCall,
    Plan,
    Synthesis,
    SynthesisStart,
    event_to_json,
    read_events,
)
from worldcoder.plots import write_plots
from worldcoder.resume import ended, where_it_stopped
from worldcoder.rundir import RunDir
from worldcoder.stats import Stats, count_event, count_transition, stats_from_run

EXPLORERS = ("random", "novelty")
REPLIES = "llm_replies.jsonl"


@dataclass(frozen=True)
class LearnConfig:
    env: str
    episodes: int = 30
    seed: int = 0
    proposer: str = "enum"
    planner: str = "bfs"
    horizon: int = 40
    max_steps: int | None = None
    level_file: str | None = None
    """Sokoban: a Boxoban-format level file, or the name of a shipped level set ("bundled",
    "boxoban"; see `worldcoder.envs.sokoban.LEVEL_SETS`). Default: the domain's level set
    (`worldcoder.domains.Domain.levels`: Sokoban's bundled levels)."""
    level: int | None = None
    """Sokoban: the level index in `level_file` (None: episode e plays level (seed + e) mod
    the number of levels)."""
    streak: int = 10
    budget_seconds: float = 300.0
    optimism_seconds: float | None = None
    """The most seconds a synthesis call's search for an optimistic completion may take once the
    data are explained (None: the whole `budget_seconds`); when it runs out the agent explores."""
    explore_steps: int = 0
    """Exploration steps taken before the first synthesis, and at a time after a synthesis that
    found no optimistic model (0: none; the agent synthesizes from its first transition and
    explores one step at a time while its model sees no plan)."""
    correctness: bool = True
    """Check accepted models against the reference model (bounded equivalence)."""
    correctness_timeout: float = 20.0
    heldout_episodes: int = 5
    """Random episodes (of other seeds) on which every accepted model is scored."""
    distinguish_nodes: int = 5_000
    """States the search for a distinguishing situation may expand."""
    max_nodes: int = 300_000
    """Node budget of each plan search (for MCTS: model steps plus simulations)."""
    optimism: bool = True
    """Synthesize models under which the mission is reachable (the paper's optimism). False: models
    that only reproduce the data, and exploration (`explore`) while the model has no plan."""
    explore: str = "novelty"
    """How exploration steps pick actions: "random", or "novelty" (the action whose next state,
    as the current model predicts it, the agent acted from least often; ties: the action least
    tried in this state)."""
    until_correct: bool = False
    """Stop only once an accepted model is proved correct and the task was solved once (for
    measuring env steps to a correct model); a stopping rule only, the actions are those of a run
    without it."""
    max_env_steps: int | None = None
    """Stop once this run has taken this many env steps (the episode in progress is cut)."""
    llm_model: str | None = None
    """The LLM proposer's model name (`proposer="llm"`); the API key is read from
    OPENAI_API_KEY when the agent starts and is never written to the run directory."""
    llm_base_url: str | None = None
    """The OpenAI-compatible endpoint (default: OPENAI_BASE_URL, else OpenAI's)."""
    llm_grammar: str = "openai"
    """How replies are held to grammar.lark: "openai", "vllm" or "none" (see `synth.llm`)."""
    llm_timeout: float = 120.0
    llm_retries: int = 4
    prior: str = DEFAULT_PRIOR
    """The prior the learner starts from (`worldcoder.domains.PRIORS`): "perception" (what is
    where, what the agent holds, what the mission names, direction vectors), or "hint" (plus
    the domain's helpers that give part of the dynamics away: what blocks, pushes, solves)."""


Progress = Callable[[str], None]


class Agent:
    """One learning run in one environment. `inherited` holds transition records of earlier
    curriculum stages: they are data the model must keep explaining, not steps of this run."""

    def __init__(
        self, config: LearnConfig, run: RunDir, progress: Progress | None = None,
        inherited: Sequence[dict[str, Any]] = (),
    ) -> None:  # fmt: skip
        self.config = config
        self.run = run
        self.progress = progress or (lambda _msg: None)
        facts = env_domain(config.env)
        self.prior = facts.prior_of(config.prior)
        self.prior_spec = Spec(
            (), (self.prior,)
        )  # the prior alone: for checking and writing models
        self.schema = check_file(self.prior).schema
        levels = config.level_file if config.level_file is not None else facts.levels
        self.env: ObjectEnv = make_env(config.env, max_steps=config.max_steps,
                                       level_file=levels, level=config.level)  # fmt: skip
        self.rng = random.Random(config.seed)
        self.llm = llm_config(config)
        self.replies = RunReplies(run)
        self.synth_starts = 0
        """Synthesis calls started in this run (numbering the LLM reply log's entries)."""
        self.pending: tuple[State, Mission] | None = None
        """The start of a synthesis call the run was killed in (resumed first, so that its LLM
        requests are the same and are answered from the reply log)."""
        self.data: list[tuple[int, Transition]] = []
        self.model_text: str | None = None
        self.model: CompiledModel | None = None
        self.alternatives: list[CompiledModel] = []
        """Synthesis' other programs that still explain every transition (each new transition
        removes the ones it refutes)."""
        self.heldout: list[Transition] | None = None
        self.unchecked = False
        self.synthesized: int | None = None
        """Env steps at the last synthesis call (they name the data, state and mission)."""
        self.stats = Stats()
        self.explained = 0
        """Transitions (of all the data) the current model reproduces."""
        self.heldout_accuracy: float | None = None
        self.started = time.perf_counter()
        self.model_ok = False
        self.explore_until = 0
        self.visits: Counter[State] = Counter()
        """How often the agent acted from each state (novelty exploration)."""
        self.tried: Counter[tuple[State, str]] = Counter()
        self.next_episode = 0
        self.replay: tuple[dict[str, Any], ...] = ()
        """Resuming: the transitions of the episode the run stopped in, to replay."""
        self.plan_left: list[str] = []
        """Resuming: the rest of the plan that episode was following."""
        self.inherited = len(inherited)
        for rec in inherited:
            self._remember(rec)
        self._resume()

    # -- resume

    def _resume(self) -> None:
        """Continue from the run directory exactly where it stopped: its transitions are data, its
        figures come from its logs (`stats_from_run`), its latest model is the current one, and
        the episode, plan, exploration window and random draws are where they were
        (`worldcoder.resume`)."""
        records = self.run.records("transitions.jsonl")
        for rec in records:
            self._remember(rec)
        self.stats = stats_from_run(self.run, self.config.streak)
        latest = self.run.latest_model()
        if latest is not None:
            self._accept(strip_imports(latest.read_text()), save=False)
        if records:
            self._complete(records[-1], read_events(self.run))
        stop = where_it_stopped(records, read_events(self.run))
        self.next_episode, self.replay, self.plan_left = stop.episode, stop.replay, list(stop.plan)
        self.explore_until, self.synthesized = stop.explore_until, stop.synthesized
        self.unchecked = self.unchecked and not stop.checked
        self.synth_starts = stop.synthesis_starts
        if stop.pending is not None:
            state = state_from_json(
                self.schema, stop.pending.state, "events.jsonl: synthesis_start"
            )
            self.pending = (state, Mission.of(stop.pending.mission))
        for _ in range(self.stats.exploration_steps):
            self._redraw()

    def _complete(self, last: dict[str, Any], events: list[Event]) -> None:
        """Log what a run killed right after writing its last transition had not logged yet: that
        transition's counter-example, the end of its episode."""
        steps, t = self.stats.env_steps, self.data[-1][1]
        if (
            self.model is not None
            and not self._predicts(t)
            and not any(isinstance(e, Counterexample) and e.line == steps for e in events)
        ):
            self._log(Counterexample(steps, t.action))
        episode = int(last["episode"])
        if ended(last) and not any(isinstance(e, Episode) and e.episode == episode for e in events):
            self._end_episode(episode, float(last["reward"]) > 0)

    def _log(self, event: Event) -> None:
        """Append `event` to events.jsonl and count it in the run's figures."""
        self.run.append("events.jsonl", event_to_json(event))
        self.stats = count_event(self.stats, event, self.config.streak)

    def _remember(self, rec: dict[str, Any]) -> None:
        line = len(self.data) + 1
        own = line - self.inherited
        where = f"transitions.jsonl:{own}" if own > 0 else f"inherited transition {line}"
        t = transition_from_json(self.schema, rec, where)
        self.data.append((line, t))
        self.visits[t.state] += 1
        self.tried[(t.state, t.action)] += 1

    # -- the loop

    def learn(self) -> dict[str, Any]:
        if self.pending is not None:  # killed during synthesis: finish that call first
            self.synthesize(*self.pending)
        for episode in range(self.next_episode, self.config.episodes):
            if self.finished():
                break  # (also a resumed run that had already finished)
            success = self.episode(episode)
            if success is None:
                break  # the env-step budget ran out mid-episode
            self._end_episode(episode, success)
        self.env.close()
        report = self.report()
        self.run.write_report(report)
        self.progress(write_plots(self.run.path))
        return report

    def _end_episode(self, episode: int, success: bool) -> None:
        streak = self.stats.streak + 1 if success else 0
        self._log(Episode(episode, success, streak, self.stats.env_steps, self.accuracy(),
                          self.heldout_accuracy))  # fmt: skip
        self.run.write_report(self.report())
        self.progress(self.status(episode))

    def finished(self) -> bool:
        """The run's goal is met or its env-step budget spent: `streak` successes in a row, or
        with `until_correct` a model proved correct and one success."""
        s, c = self.stats, self.config
        if c.max_env_steps is not None and s.env_steps >= c.max_env_steps:
            return True
        if c.until_correct:
            return s.steps_to_correct_model is not None and s.steps_to_first_success is not None
        return s.streak >= c.streak

    def episode(self, episode: int) -> bool | None:
        """Whether the episode ended with a reward; None when the env-step budget cut it."""
        state_json, mission_text = self.env.reset(seed=self.config.seed + episode)
        state_json, replayed = self._replay(state_json)
        state = state_from_json(self.schema, state_json)
        mission = Mission.of(mission_text)
        plan, self.plan_left = self.plan_left, []
        budget = self.config.max_env_steps
        for step in range(replayed, 10_000):
            if budget is not None and self.stats.env_steps >= budget:
                return None
            if not plan:
                plan = self.plan_from(state, mission)
            explored = not plan
            action = plan.pop(0) if plan else self.explore_action(state, mission)
            out = self.env.step(action)
            rec = {"state": state_json, "action": action, "next_state": out.state, "reward": out.reward,
                   "done": out.terminated, "mission": mission_text, "raw_reward": out.raw_reward,
                   "truncated": out.truncated, "episode": episode, "step": step,
                   "explored": explored}  # fmt: skip
            self.run.append("transitions.jsonl", rec)
            self._remember(rec)
            self.stats = count_transition(self.stats, rec)
            t = self.data[-1][1]
            self.alternatives = [m for m in self.alternatives
                                 if m.step(t.state, t.action, t.mission).matches(t)]  # fmt: skip
            if self.model is not None and self._predicts(t):
                self.explained += 1
            elif self.model is not None:
                self._log(Counterexample(self.stats.env_steps, action))
                self.model_ok = False
                plan = []
            state_json, state = out.state, t.next_state
            if out.terminated or out.truncated:
                return out.reward > 0
            self.progress(self.status(episode))
        return False

    def _replay(self, state_json: Any) -> tuple[Any, int]:
        """Resuming in an episode the run stopped in: step the environment through its recorded
        actions, checking it reaches the recorded states; the state reached and the steps."""
        replay, self.replay = self.replay, ()
        first = self.stats.env_steps - len(replay) + 1
        for line, rec in enumerate(replay, start=first):
            if _plain(state_json) != rec["state"]:
                raise ValueError(self._not_replayed(line))
            state_json = self.env.step(rec["action"]).state
        if replay and _plain(state_json) != replay[-1]["next_state"]:
            raise ValueError(self._not_replayed(self.stats.env_steps))
        return state_json, len(replay)

    def _not_replayed(self, line: int) -> str:
        return (f"{self.run.path / 'transitions.jsonl'}:{line}: the environment does not replay "
                "the episode the run stopped in (it reaches another state); cannot resume")  # fmt: skip

    def _redraw(self) -> None:
        """Repeat the random draws of one exploration step (`explore_action`: a random action,
        or for novelty one tie-break number per action): a resumed run redraws its steps'."""
        if self.config.explore != "novelty":
            self.rng.choice(self.env.actions)
            return
        for _action in self.env.actions:
            self.rng.random()

    def explore_action(self, state: State, mission: Mission) -> str:
        """An exploration step: a random action, or with `explore="novelty"` an action never
        tried in this state (an experiment the model cannot have explained yet: a `forward` it
        predicts to do nothing may move), else the action whose predicted next state the agent
        acted from least often (then the action least tried here, then at random)."""
        if self.config.explore != "novelty":
            return self.rng.choice(self.env.actions)

        def novelty(action: str) -> tuple[bool, int, int, float]:
            seen = 0
            if self.model is not None:
                with suppress(RunError):
                    seen = self.visits[self.model.step(state, action, mission).next_state]
            tried = self.tried[(state, action)]
            return tried > 0, seen, tried, self.rng.random()

        return min(self.env.actions, key=novelty)

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
        self._check_correct(state, mission)  # a model restored on resume or inherited
        if not self.config.optimism:
            return self._plan_or_explore(state, mission)
        if self.model is None:
            return self._explore(state, mission)
        found = self._plan(state, mission)
        if found is None and not self.alternatives and self.synthesized != self.stats.env_steps:
            # not optimistic from here: refine with this start state (unless just done, or
            # alternatives are left to tell apart by experiment first)
            self.synthesize(state, mission)
            found = self._plan(state, mission) if self.model is not None else None
        if found is None:
            return self._explore(state, mission)
        return found

    def _plan_or_explore(self, state: State, mission: Mission) -> list[str]:
        """Without optimism: plan only in a model that explains all the data and sees a way to
        the goal; otherwise explore (`explore_steps` actions) before synthesizing again."""
        found = self._plan(state, mission) if self.model is not None and self.model_ok else None
        if found is None:
            return self._explore_for_a_while()
        return found

    def _explore(self, state: State, mission: Mission) -> list[str]:
        """No optimistic model: go where the candidate models disagree, or else explore for a
        while; then synthesize again."""
        path = self._distinguish(state, mission)
        if path:
            self.explore_until = self.stats.env_steps + len(path)
            return path
        return self._explore_for_a_while()

    def _explore_for_a_while(self) -> list[str]:
        self.explore_until = self.stats.env_steps + self.config.explore_steps
        self._log(Explore(self.stats.env_steps, self.explore_until, self.config.explore))
        return []

    def _plan(self, state: State, mission: Mission) -> list[str] | None:
        """A plan to the goal in the current model (logged, found or not)."""
        assert self.model is not None
        t0 = time.perf_counter()
        config = self.config
        search = run_planner(config.planner, self.model, state, mission, config.horizon,
                             max_nodes=config.max_nodes, seed=config.seed,
                             timeout=60.0 if config.planner == "z3" else 30.0)  # fmt: skip
        found = list(search.plan) if search.status == "sat" else None
        self._log(Plan(self.stats.env_steps, None if found is None else len(found),
                       time.perf_counter() - t0, tuple(found or ())))  # fmt: skip
        return found

    def synthesize(self, state: State, mission: Mission) -> None:
        optimism = (
            Optimism(((state, mission),), self.config.horizon) if self.config.optimism else None
        )
        spec = Spec(tuple(self.data), (self.prior,), optimism,
                    Budget(seconds=self.config.budget_seconds,
                           optimism_seconds=self.config.optimism_seconds),
                    warm_start=self.model_text)  # fmt: skip
        t0 = time.perf_counter()
        self.progress(f"synthesizing from {len(self.data)} transitions ...")
        self.synthesized = self.stats.env_steps
        self._start_synthesis(state, mission)
        result = synthesize(spec, self.config.proposer, llm=self.llm, replies=self.replies,
                            on_call=self._log_call)  # fmt: skip
        seconds = time.perf_counter() - t0
        before = self.accuracy()
        saved = self._accept(result.text, save=True) if result.text and result.consistent else None
        self.alternatives = [m for m in map(self._compiled, result.alternatives)
                             if m is not None and self._explains_data(m)]  # fmt: skip
        self._log(Synthesis(self.stats.env_steps, result.consistent, result.optimistic,
                            len(result.failing), seconds, result.cost.candidates, before,
                            self.accuracy(), self.heldout_accuracy, len(self.alternatives),
                            None if saved is None else f"models/{saved.name}",
                            solver_seconds=result.cost.solver_seconds, proposer=result.proposer))  # fmt: skip
        self._check_correct(state, mission)
        self.run.write_report(self.report())  # fresh for a run stopped mid-episode, too

    def _start_synthesis(self, state: State, mission: Mission) -> None:
        """Number the call and log its start (state and mission), unless it is the call a killed
        run was in, which keeps its number and its start event."""
        if self.pending is not None:
            self.pending = None
            self.replies.begin(self.synth_starts - 1)
            return
        self.replies.begin(self.synth_starts)
        self.synth_starts += 1
        self._log(SynthesisStart(self.stats.env_steps, state_to_json(self.schema, state),
                                 mission.text))  # fmt: skip

    def _log_call(self, call: LLMCall) -> None:
        """One LLM attempt: an `llm_call` event (counted in the run's LLM figures)."""
        self._log(LlmCall(self.stats.env_steps, call.outcome, call.tokens, round(call.seconds, 3),
                          call.detail))  # fmt: skip

    def _accept(self, body: str, *, save: bool) -> Path | None:
        """Make `body` the current model; the file it was saved to, if `save`."""
        model = self._compiled(body)
        if model is None:
            return None
        self.model, self.model_text, self.unchecked = model, body, True
        self.explained = sum(self._predicts(t) for _, t in self.data)
        self.model_ok = self.explained == len(self.data)
        self.heldout_accuracy = self._heldout_accuracy(model)
        if not save:
            return None
        return self.run.save_model(
            program_text(self.prior_spec, body, self.run.path / "models" / "x.wc")
        )

    def _explains_data(self, model: CompiledModel) -> bool:
        """Whether a program reproduces every transition so far (an alternative worth telling
        apart from the model by experiment)."""
        return all(model.step(t.state, t.action, t.mission).matches(t) for _, t in self.data)

    def _compiled(self, body: str) -> CompiledModel | None:
        try:
            return compile_program(check_candidate(self.prior_spec, body))
        except (DslError, RunError):
            return None

    # -- model quality: accuracy, held-out accuracy, correctness

    def accuracy(self) -> float | None:
        """The current model's fraction of the data (this run's and inherited) it reproduces."""
        if self.model is None or not self.data:
            return None
        return round(self.explained / len(self.data), 6)

    def _heldout_accuracy(self, model: CompiledModel) -> float | None:
        if self.heldout is None:
            records = collect(self.config.env, self.config.heldout_episodes,
                              1_000_000 + self.config.seed, max_steps=60)  # fmt: skip
            self.heldout = [transition_from_json(self.schema, r, "held-out") for r in records]
        if not self.heldout:
            return None
        hits = sum(model.step(t.state, t.action, t.mission).matches(t) for t in self.heldout)
        return round(hits / len(self.heldout), 6)

    def _check_correct(self, state: State, mission: Mission) -> None:
        """Once per accepted model, until one is proved: bounded equivalence with the reference
        on states like the ones this run acted from. A held-out mismatch already disproves it."""
        if not self.unchecked or self.model is None:
            return
        self.unchecked = False
        if not self.config.correctness or self.stats.steps_to_correct_model is not None:
            return
        if self.heldout_accuracy is not None and self.heldout_accuracy < 1:
            self._log(Correctness(self.stats.env_steps, "heldout-mismatch", 0.0))
            return
        states = list({t.state: None for _, t in self.data[self.inherited :]} | {state: None})
        verdict = check_model(self.model.program, self.config.env, mission, states,
                              timeout=self.config.correctness_timeout)  # fmt: skip
        self._log(Correctness(self.stats.env_steps, verdict.status, round(verdict.seconds, 3)))

    # -- distinguishing exploration

    def _distinguish(self, state: State, mission: Mission) -> list[str] | None:
        """A path to a situation where the current model and an alternative disagree."""
        if self.model is None or not self.alternatives:
            return None
        models = [self.model, *self.alternatives]
        t0 = time.perf_counter()
        path = distinguishing_path(models[0], models[1:], state, mission,
                                   max_nodes=self.config.distinguish_nodes)  # fmt: skip
        self._log(Distinguish(self.stats.env_steps, len(models), None if path is None else len(path),
                              round(time.perf_counter() - t0, 3), tuple(path or ())))  # fmt: skip
        return path

    # -- reporting

    def status(self, episode: int) -> str:
        s = self.stats
        model = "none" if self.model is None else ("consistent" if self.model_ok else "refining")
        if self.model is not None and s.steps_to_correct_model is not None:
            model = "proved correct" if self.model_ok else model
        return (f"episode {episode + 1}/{self.config.episodes}  steps {s.env_steps}  successes {s.successes} "
                f"(streak {s.streak})  model {model}  synth {s.synth_calls}x {s.synthesis_seconds:.0f}s")  # fmt: skip

    def report(self) -> dict[str, Any]:
        s = self.stats
        return {
            "env": self.config.env, "seed": self.config.seed, "proposer": self.config.proposer,
            "planner": self.config.planner, "total_env_steps": s.env_steps, "episodes": s.episodes,
            "successes": s.successes, "success_streak": s.streak,
            "steps_to_first_success": s.steps_to_first_success, "steps_to_streak": s.steps_to_streak,
            "steps_to_correct_model": s.steps_to_correct_model,
            "synthesis_seconds": round(s.synthesis_seconds, 3), "solver_seconds": round(s.solver_seconds, 3),
            "correctness_seconds": round(s.correctness_seconds, 3),
            "synthesis_calls": s.synth_calls, "counterexamples": s.counterexamples,
            "distinguishing_explorations": s.distinguishing, "exploration_steps": s.exploration_steps,
            "inherited_transitions": self.inherited,
            "model_accuracy": self.accuracy(), "heldout_accuracy": self.heldout_accuracy,
            "llm_calls": s.llm_calls, "llm_tokens": s.llm_tokens,
            "llm_seconds": round(s.llm_seconds, 3), "llm_replayed": s.llm_replayed,
            "final_model": str(self.run.latest_model()) if self.run.latest_model() else None,
            "config": asdict(self.config),
        }  # fmt: skip


# ----------------------------------------------------------------------------- helpers


def _plain(value: Any) -> Any:
    """`value` as it reads back from JSON (tuples as lists)."""
    return json.loads(json.dumps(value))


def llm_config(config: LearnConfig) -> LLMConfig | None:
    """The LLM proposer's settings (the key from OPENAI_API_KEY), or None for another
    proposer; raises `synth.llm.LLMConfigError` saying what is missing."""
    if config.proposer != "llm":
        return None
    return LLMConfig.from_flags(config.llm_model, config.llm_base_url, grammar=config.llm_grammar,
                                timeout=config.llm_timeout, max_retries=config.llm_retries,
                                seed=config.seed)  # fmt: skip


class RunReplies:
    """The LLM reply log of a run (`llm_replies.jsonl`), so that a resumed run replays instead
    of re-sending the requests it had paid for. A reply is filed under (synthesis call, request
    hash, how often that request was sent in that call before): a request sent twice gets two
    answers, and a killed synthesis call, started again on resume, is answered as before."""

    def __init__(self, run: RunDir) -> None:
        self.run = run
        self.known = {rec["slot"]: Reply(rec["text"], int(rec["tokens"]), rec.get("call_id"))
                      for rec in run.records(REPLIES)}  # fmt: skip
        self.call = 0
        self.sent: Counter[str] = Counter()
        self.slot = ""

    def begin(self, call: int) -> None:
        """Synthesis call number `call` starts."""
        self.call, self.sent = call, Counter()

    def get(self, key: str) -> Reply | None:
        self.slot = f"{self.call}/{key}/{self.sent[key]}"
        self.sent[key] += 1
        return self.known.get(self.slot)

    def put(self, key: str, reply: Reply) -> None:
        self.known[self.slot] = reply
        self.run.append(REPLIES, {"slot": self.slot, "text": reply.text, "tokens": reply.tokens,
                                  "call_id": reply.call_id})  # fmt: skip


def distinguishing_path(
    base: CompiledModel, others: Sequence[CompiledModel], start: State, mission: Mission,
    *, max_nodes: int = 5_000,
) -> list[str] | None:  # fmt: skip
    """Breadth-first over the states `base` predicts from `start`: the shortest action list after
    whose last action some model of `others` predicts (next state, reward or done) differently
    from `base` (the actions before it agree or not, `base` predicts where they lead). None when
    no such situation is within `max_nodes` states."""
    actions = base.program.schema.actions
    parents: dict[State, tuple[State, str] | None] = {start: None}
    frontier = deque([start])
    while frontier and len(parents) <= max_nodes:
        state = frontier.popleft()
        for action in actions:
            out = base.step(state, action, mission)
            if any(m.step(state, action, mission) != out for m in others):
                return [*path_to(parents, state), action]
            if not out.done and out.next_state not in parents:
                parents[out.next_state] = (state, action)
                frontier.append(out.next_state)
    return None
