"""Scoring a candidate program against a spec: does it check, what fraction of the data it
explains, and is it optimistic (the mission reachable from every start within the horizon).

A candidate is the text of one module that does not import anything: it is checked together with
the prior library, whose declarations are in scope. `program_text` turns it into a standalone
file that imports the prior.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from dsl import core as C
from dsl.check import check_modules
from dsl.compile import compile_program
from dsl.errors import DslError, RunError
from dsl.parse import library_path, load_modules, parse_module
from dsl.syntax import Import, LibraryImport, Module
from plan.bfs import bfs_plan
from synth.spec import Spec

CANDIDATE = "<candidate>"


@dataclass
class Score:
    program: C.Program | None
    errors: list[str] = field(default_factory=list)
    explained: int = 0
    total: int = 0
    failing: list[int] = field(default_factory=list)
    optimistic: bool | None = None
    seconds: float = 0.0

    @property
    def fraction(self) -> float:
        return self.explained / self.total if self.total else 1.0

    @property
    def consistent(self) -> bool:
        return self.program is not None and not self.failing

    @property
    def heuristic(self) -> float:
        """REx's h: fraction explained, with optimism counting as one more example."""
        if self.program is None:
            return 0.0
        if self.optimistic is None:
            return self.fraction
        return (self.explained + int(self.optimistic)) / (self.total + 1)


def prior_modules(spec: Spec) -> list[Module]:
    out: list[Module] = []
    seen: set[str] = set()
    for path in spec.prior:
        for m in load_modules(path):
            if m.path not in seen:
                seen.add(m.path)
                out.append(m)
    return out


def check_candidate(spec: Spec, text: str, prior: list[Module] | None = None) -> C.Program:
    """Parse and check a candidate with the prior in scope; raises DslError."""
    module = parse_module(text, CANDIDATE)
    imports = [i for i in module.items if isinstance(i, Import | LibraryImport)]
    if imports:
        raise DslError.at(
            imports[0].pos, "a candidate must not import files: the prior is already in scope"
        )
    return check_modules([*(prior if prior is not None else prior_modules(spec)), module])


def score(
    spec: Spec, text: str, prior: list[Module] | None = None, *, with_optimism: bool = True
) -> Score:
    started = time.perf_counter()
    try:
        program = check_candidate(spec, text, prior)
        model = compile_program(program)
    except (DslError, RunError) as err:
        return Score(
            None,
            errors=str(err).splitlines(),
            total=len(spec.data),
            seconds=time.perf_counter() - started,
        )
    out = Score(program, total=len(spec.data))
    for line, t in spec.data:
        if model.step(t.state, t.action, t.mission).matches(t):
            out.explained += 1
        else:
            out.failing.append(line)
    if spec.optimism is not None and with_optimism:
        out.optimistic = all(
            bfs_plan(model, s, m, spec.optimism.horizon, max_nodes=200_000, timeout=10.0).status
            == "sat"
            for s, m in spec.optimism.starts
        )
    out.seconds = time.perf_counter() - started
    return out


def program_text(spec: Spec, body: str, out_path: Path | None = None) -> str:
    """A standalone file: imports of the prior + the body. A prior file of the model library is
    imported by name (`import minigrid_prior`), so the file stays valid wherever it is moved;
    any other by its path (relative to `out_path` when given)."""
    lines = []
    for p in spec.prior:
        if library_path(p.stem).resolve() == p.resolve():
            lines.append(f"import {p.stem}")
            continue
        target = Path(os.path.relpath(p.resolve(), out_path.resolve().parent)) if out_path else p
        lines.append(f'import "{target.as_posix()}"')
    return "\n".join(lines) + "\n\n" + body.strip() + "\n"
