"""The library face of WorldCoder: what a researcher calls from Python (`import worldcoder`).

Owns a thin, typed façade over the stable entry points of the layers below: learning by acting
(`worldcoder.agent.Agent`), the language (`dsl.check`, `dsl.pretty`, `dsl.compile`), the solver
(`solver.check_consistency` / `equivalent` / `invariant`), synthesis (`synth.synthesize`) and the
SyGuS export (`synth.sygus`). Every failure a caller can cause is a `WorldCoderError` subclass
with a one-line message; nothing here exits the process.

    run = learn(LearnConfig("MiniGrid-Empty-5x5-v0", max_env_steps=150), run_dir="runs/x")
    model = load_model("models/minigrid.wc"); model.step(state, "forward", "get to the goal")
    consistent(model, data); equivalent(a, b, Bounds(5, 5, 2)); invariant(model, "ok", Bounds())
    found = synthesize(data, prior="minigrid_prior"); write_sygus(data, "minigrid_prior", "out/")
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from dsl import core as C
from dsl.check import check_modules
from dsl.compile import CompiledModel, compile_program
from dsl.errors import DslError, RunError
from dsl.parse import library_names, library_path, load_modules, parse_module
from dsl.pretty import pretty
from dsl.syntax import Import, LibraryImport, Module
from dsl.values import DataError, Mission, Outcome, State, Transition, state_from_json
from dsl.values import read_dataset as _read_dataset
from dsl.values import transition_from_json as _transition_from_json
from solver import Bounds, Limits
from solver import Result as Answer
from solver import check_consistency as _check_consistency
from solver import equivalent as _equivalent
from solver import invariant as _invariant
from synth import Budget, Spec
from synth import synthesize as _synthesize
from synth.sygus import SygusProblem, sygus_text
from synth.sygus import sygus_problems as _sygus_problems
from worldcoder.agent import Agent, LearnConfig
from worldcoder.envs import EnvError, make_env
from worldcoder.envs import collect as _collect
from worldcoder.rundir import RunDir

__all__ = [
    "Answer",
    "Bounds",
    "DatasetError",
    "LearnConfig",
    "LearnError",
    "Model",
    "ModelError",
    "Run",
    "SygusProblem",
    "Synthesis",
    "Transition",
    "WorldCoderError",
    "collect",
    "consistent",
    "equivalent",
    "invariant",
    "learn",
    "load_model",
    "model_from_text",
    "read_data",
    "resume",
    "sygus_problems",
    "synthesize",
    "write_sygus",
]  # fmt: skip


class WorldCoderError(Exception):
    """Anything the library refuses, with a message saying what and where (one line per error)."""


class ModelError(WorldCoderError):
    """A model that does not parse, type-check or run (`FILE:LINE:COL: error: ...`)."""


class DatasetError(WorldCoderError):
    """A dataset or state that does not fit the model's schema (`FILE:LINE: ...`)."""


class LearnError(WorldCoderError):
    """A learning run that cannot start: an unknown environment, a bad option, a used run dir."""


@contextmanager
def _errors(kind: type[WorldCoderError]) -> Iterator[None]:
    """Turn the layers' own exceptions into `kind` (data errors into `DatasetError`)."""
    try:
        yield
    except (DataError, ValueError) as err:
        raise (DatasetError if isinstance(err, DataError) else kind)(str(err)) from None
    except (DslError, RunError, EnvError, OSError) as err:
        raise kind(str(err)) from None


# ----------------------------------------------------------------------------- models


@dataclass(frozen=True)
class Model:
    """A checked program (a model, a sketch with holes `??`, or a library of helpers), its
    canonical text and, for a model, its compiled step function."""

    program: C.Program
    text: str
    """The main file's canonical text (`dsl.pretty`; its imports kept as written)."""

    @cached_property
    def compiled(self) -> CompiledModel:
        """The fast step function (`dsl.compile`); a sketch with unfilled holes has none."""
        with _errors(ModelError):
            return compile_program(self.program)

    def state(self, value: State | Mapping[str, Any]) -> State:
        """A state of this model's schema, from its JSON form (`{"agent": ..., "objects": ...}`)."""
        if isinstance(value, State):
            return value
        with _errors(DatasetError):
            return state_from_json(self.program.schema, value)

    def step(self, state: State | Mapping[str, Any], action: str, mission: str = "") -> Outcome:
        """The model's prediction (next state, reward, done) for one action."""
        compiled, start = self.compiled, self.state(state)
        with _errors(ModelError):
            return compiled.step(start, action, Mission.of(mission))


def _model(modules: Sequence[Module]) -> Model:
    with _errors(ModelError):
        program = check_modules(modules)
        return Model(program, pretty(modules[-1]))


def load_model(path: str | Path) -> Model:
    """Parse, check and compile a model file and its imports."""
    with _errors(ModelError):
        modules = load_modules(path)
    return _model(modules)


def model_from_text(text: str, base: str | Path = ".") -> Model:
    """A model from its text; `import "f.wc"` is relative to `base`, `import name` names the
    shipped library."""
    with _errors(ModelError):
        main = parse_module(text, "<text>")
        deps: dict[str, Module] = {}
        for item in main.items:
            match item:
                case Import(path=p):
                    target, missing = Path(base) / p, f"imported file not found: {p!r}"
                case LibraryImport(name=n):
                    target = library_path(n)
                    missing = (
                        f"no library module {n!r} (the library has: {', '.join(library_names())})"
                    )
                case _:
                    continue
            if not target.is_file():
                raise DslError.at(item.pos, missing)
            deps.update((m.path, m) for m in load_modules(target))
    return _model([*deps.values(), main])


# ----------------------------------------------------------------------------- data


def read_data(model: Model, path: str | Path) -> list[Transition]:
    """A JSONL dataset read against the model's schema."""
    with _errors(DatasetError):
        return _read_dataset(model.program.schema, path)


def collect(model: Model, env: str, episodes: int, seed: int = 0) -> list[Transition]:
    """Random-policy transitions of a real environment, read against the model's schema."""
    with _errors(DatasetError):
        records = list(_collect(env, episodes, seed))
        return [_transition_from_json(model.program.schema, r, f"{env} step {i}")
                for i, r in enumerate(records)]  # fmt: skip


# ----------------------------------------------------------------------------- solver


def consistent(model: Model, data: Sequence[Transition], timeout: float = 60.0) -> Answer:
    """Does the model (holes filled by the solver) reproduce every transition? `status` is
    "sat" (with `holes`) or "unsat" (with `failing`: 1-based indices into `data`)."""
    with _errors(ModelError):
        numbered = tuple(enumerate(data, start=1))
        return _check_consistency(model.program, numbered, Limits(timeout=timeout))


def equivalent(a: Model, b: Model, bounds: Bounds, mission: str = "",
               timeout: float = 60.0) -> Answer:  # fmt: skip
    """Bounded equivalence: "equivalent", or "counterexample" with `state` and `action`."""
    with _errors(ModelError):
        return _equivalent(a.program, b.program, bounds, Mission.of(mission), Limits(timeout))


def invariant(model: Model, helper: str, bounds: Bounds, k: int = 1,
              timeout: float = 60.0) -> Answer:  # fmt: skip
    """k-induction of the parameterless bool helper `helper`: "proved", or "counterexample"
    with a `trace`."""
    fn = next((f for f in model.program.functions if f.name == helper), None)
    if fn is None or fn.params or not isinstance(fn.ret, C.BoolT):
        raise ModelError(f"the model has no parameterless bool helper {helper!r}")
    with _errors(ModelError):
        return _invariant(model.program, helper, bounds, k, limits=Limits(timeout))


# ----------------------------------------------------------------------------- synthesis


@dataclass(frozen=True)
class Synthesis:
    """What synthesis found: the program (a standalone file importing the prior) and how good."""

    text: str
    consistent: bool
    failing: tuple[int, ...]
    """1-based indices into the data the program still gets wrong."""
    seconds: float
    model: Model | None
    """The program checked and compiled (None when synthesis produced none)."""


def _prior_path(prior: str | Path) -> Path:
    path = Path(prior)
    if path.suffix == ".wc":
        if not path.is_file():
            raise ModelError(f"{path}: prior file not found")
        return path
    found = library_path(str(prior))
    if not found.is_file():
        raise ModelError(f"no library module {str(prior)!r} (e.g. minigrid_prior)")
    return found


def synthesize(data: Sequence[Transition], prior: str | Path = "minigrid_prior",
               budget_seconds: float = 60.0) -> Synthesis:  # fmt: skip
    """A model reproducing `data`, built from the prior's schema and helpers by the offline
    enumerative proposer. `prior`: a library module name or a .wc file."""
    path = _prior_path(prior)
    spec = Spec(tuple(enumerate(data, start=1)), (path,), budget=Budget(seconds=budget_seconds))
    with _errors(ModelError):
        result = _synthesize(spec, "enum")
    if not result.text:
        return Synthesis("", False, tuple(result.failing), result.cost.seconds, None)
    text = f"import {path.stem}\n\n{result.text}" if library_path(path.stem) == path \
        else f'import "{path.resolve().as_posix()}"\n\n{result.text}'  # fmt: skip
    model = model_from_text(text)
    return Synthesis(text, result.consistent, tuple(result.failing), result.cost.seconds, model)


def sygus_problems(data: Sequence[Transition], prior: str | Path = "minigrid_prior",
                   max_examples: int = 200) -> list[SygusProblem]:  # fmt: skip
    """The per-field problems the enumerative learner solves on `data` (`synth.sygus`)."""
    with _errors(ModelError):
        program = check_modules(load_modules(_prior_path(prior)))
        return _sygus_problems(program, data, max_examples=max_examples)


def write_sygus(data: Sequence[Transition], prior: str | Path, out_dir: str | Path,
                max_examples: int = 200) -> list[Path]:  # fmt: skip
    """Each problem of `sygus_problems` as a SyGuS-IF 2.1 file `out_dir/NAME.sl`."""
    problems = sygus_problems(data, prior, max_examples)
    out = Path(out_dir)
    with _errors(ModelError):
        out.mkdir(parents=True, exist_ok=True)
        paths = [out / f"{p.name}.sl" for p in problems]
        for path, problem in zip(paths, problems, strict=True):
            path.write_text(sygus_text(problem), encoding="utf-8")
    return paths


# ----------------------------------------------------------------------------- learning


@dataclass(frozen=True)
class Run:
    """A finished learning run: its directory, report, final model and every transition."""

    path: Path
    report: dict[str, Any]
    model: Model | None
    transitions: tuple[Transition, ...]


def learn(config: LearnConfig, run_dir: str | Path | None = None) -> Run:
    """Act in `config.env` and learn a model until `config.streak` successes in a row (or a
    budget: `episodes`, `max_env_steps`). The run directory defaults to runs/ENV-seedS-TIME."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    run = RunDir(Path(run_dir or Path("runs") / f"{config.env}-seed{config.seed}-{stamp}"))
    with _errors(LearnError):
        make_env(config.env, level_file=config.level_file, level=config.level).close()
        run.create(asdict(config))
    return _finish(run, config)


def resume(run_dir: str | Path) -> Run:
    """Continue the run in `run_dir` where it stopped (a finished run is returned as it is)."""
    run = RunDir(Path(run_dir))
    with _errors(LearnError):
        config = LearnConfig(**run.config())
    return _finish(run, config)


def _finish(run: RunDir, config: LearnConfig) -> Run:
    with _errors(LearnError):
        agent = Agent(config, run)
        report = agent.learn()
        schema = agent.schema
        data = tuple(_transition_from_json(schema, r, f"transitions.jsonl:{i}")
                     for i, r in enumerate(run.records("transitions.jsonl"), start=1))  # fmt: skip
    final = report.get("final_model")
    return Run(run.path, report, load_model(final) if final else None, data)
