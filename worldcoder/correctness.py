"""Is a learned model correct? Bounded equivalence with the hand-written reference model.

This module owns the check behind report.json's `steps_to_correct_model`: a learned program is
compared with the domain's reference model (`models/<domain>.wc`, see `worldcoder.domains`) by the solver's bounded equivalence (`solver.equivalent`) on
every state of the environment's grid (border walls plus a few free objects) that looks like the
states the agent has seen. "Looks like" is an assumption built from the data only:

- every enum and bool field of the agent and of the objects takes only values seen in the data
  (the kinds present, the colours present, carrying only kinds seen carried, ...);
- each well-formedness property of the domain (`models/<domain>_well_formed.wc`: objects on the
  grid or carried, one object per cell, the agent not inside a wall, ...) is assumed exactly when
  every seen state satisfies it.

The reference model is only read here, never by the learner.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dsl import core as C
from dsl.check import check_modules
from dsl.compile import ExprCompiler
from dsl.parse import load_modules, parse_module
from dsl.syntax import FnDecl, Module
from dsl.values import Mission, State
from solver import Bounds, Limits, equivalent
from worldcoder.domains import Domain, env_domain

ASSUME = "seen_like"
"""The name of the assumption helper added to the reference program."""


@dataclass(frozen=True)
class Verdict:
    status: str
    """"equivalent", "counterexample", "unknown" (solver limit) or "no-reference"."""
    seconds: float = 0.0
    assumption: str = ""
    counterexample: dict[str, object] | None = None


def correct_model(
    program: C.Program, env_id: str, mission: Mission, states_seen: Sequence[State],
    *, extra_objects: int = 3, timeout: float = 20.0,
) -> bool | None:  # fmt: skip
    """True when `program` is proved equivalent to the reference model on states like the ones
    seen; False when not (or not proved in time); None when the domain has no reference."""
    verdict = check_model(program, env_id, mission, states_seen,
                          extra_objects=extra_objects, timeout=timeout)  # fmt: skip
    return None if verdict.status == "no-reference" else verdict.status == "equivalent"


def check_model(
    program: C.Program, env_id: str, mission: Mission, states_seen: Sequence[State],
    *, extra_objects: int = 3, timeout: float = 20.0,
) -> Verdict:  # fmt: skip
    """The full answer behind `correct_model`, with the solver's time and the assumption used."""
    facts = env_domain(env_id)
    if not facts.reference_path.is_file() or not states_seen:
        return Verdict("no-reference")
    started = time.perf_counter()
    modules = program_modules(facts.reference_path, facts.well_formed_path)
    assumption = seen_assumption(modules, facts, states_seen)
    helper = parse_module(f"def {ASSUME}() -> bool = {assumption}", "<assumption>")
    reference = check_modules([*modules, helper])
    width, height = grid_size(reference.schema, states_seen)
    walls = "wall" in kind_members(reference.schema)
    bounds = Bounds(width, height, extra_objects, walls=walls)
    found = equivalent(reference, program, bounds, mission, Limits(timeout=timeout), assume=ASSUME)
    return Verdict(found.status, time.perf_counter() - started, assumption, found.state)


def program_modules(*paths: Path) -> list[Module]:
    """The modules of several files and their imports, each file once, imports first."""
    out: list[Module] = []
    seen: set[Path] = set()
    for path in paths:
        for module in load_modules(path):
            if (key := Path(module.path).resolve()) not in seen:
                seen.add(key)
                out.append(module)
    return out


def well_formed_reference(facts: Domain, name: str = "well_formed") -> C.Program:
    """The domain's reference model with `name()`: all its well-formedness properties at once
    (the assumption of a bounded-equivalence proof over well-formed states)."""
    modules = program_modules(facts.reference_path, facts.well_formed_path)
    body = " and ".join(well_formed_properties(modules, facts)) or "true"
    return check_modules(
        [*modules, parse_module(f"def {name}() -> bool = {body}", "<well-formed>")]
    )


def well_formed_properties(modules: Sequence[Module], facts: Domain) -> list[str]:
    """Calls (DSL text) of the domain's well-formedness properties: the parameterless bool
    functions of its well-formedness file, in file order."""
    where = str(facts.well_formed_path.resolve())
    return [f"{item.name}()" for m in modules if str(Path(m.path).resolve()) == where
            for item in m.items
            if isinstance(item, FnDecl) and not item.params and item.ret.name == "bool"]  # fmt: skip


def seen_assumption(modules: Sequence[Module], facts: Domain, states: Sequence[State]) -> str:
    """A conjunction (DSL text) that every state in `states` satisfies. `modules` include the
    domain's well-formedness file (`program_modules`)."""
    schema = check_modules(modules).schema
    candidates = well_formed_properties(modules, facts)
    if facts.standing_on_seen:
        candidates.append(standing_on_seen(schema, states))
    parts = [*field_restrictions(schema, states), *count_restrictions(schema, states, 3),
             *holding(modules, candidates, states)]  # fmt: skip
    return " and ".join(f"({p})" for p in parts) or "true"


def field_restrictions(schema: C.Schema, states: Sequence[State]) -> Iterable[str]:
    """Every enum or bool field of the agent keeps to the values seen; every object to the
    combinations of its enum and bool fields seen."""
    for i, f in enumerate(schema.agent):
        seen = {s.agent[i] for s in states}
        if restricted(f, seen):
            yield one_of(f"agent.{f.name}", f.type, seen)
    # Objects: the combinations of enum and bool values seen (a yellow key and a grey wall, but
    # no grey key; a locked door in Unlock, where no door is ever seen unlocked).
    fields = [(i, f) for i, f in enumerate(schema.object) if isinstance(f.type, C.EnumT | C.BoolT)]
    combos = sorted({tuple(str(o[i]) for i, _ in fields) for s in states for o in s.objects})
    if fields and combos:
        options = [" and ".join(_equals(f"o.{f.name}", f.type, v) for (_, f), v in zip(fields, combo, strict=True))
                   for combo in combos]  # fmt: skip
        yield "all(o in objects: " + " or ".join(f"({o})" for o in options) + ")"


def _equals(expr: str, t: C.Type, value: str) -> str:
    if isinstance(t, C.BoolT):
        return expr if value == "True" else f"not {expr}"
    assert isinstance(t, C.EnumT)
    return f"{expr} == {t.name}.{value}"


def count_restrictions(schema: C.Schema, states: Sequence[State], limit: int) -> Iterable[str]:
    """Kinds seen at most `limit` times in a state appear at most that often (one door, one key)."""
    kind = next((i for i, f in enumerate(schema.object) if f.name == "kind"), None)
    if kind is None:
        return
    members = schema.object[kind].type
    assert isinstance(members, C.EnumT)
    for k in members.members:
        most = max(sum(1 for o in s.objects if o[kind] == k) for s in states)
        if 0 < most <= limit:
            yield f"count(o in objects: o.kind == {members.name}.{k}) <= {most}"


def restricted(f: C.Field, seen: set[C.Scalar]) -> bool:
    if isinstance(f.type, C.BoolT):
        return len(seen) == 1
    return isinstance(f.type, C.EnumT) and bool(seen) and len(seen) < len(f.type.members)


def one_of(expr: str, t: C.Type, values: set[C.Scalar]) -> str:
    if isinstance(t, C.BoolT):
        return expr if True in values else f"not {expr}"
    assert isinstance(t, C.EnumT)
    return " or ".join(f"{expr} == {t.name}.{v}" for v in sorted(map(str, values)))


def standing_on_seen(schema: C.Schema, states: Sequence[State]) -> str:
    """MiniGrid: the agent shares its cell only with object kinds it was seen standing on."""
    kind, x, y = (schema.object_index(n) for n in ("kind", "x", "y"))
    ax, ay = schema.agent_index("x"), schema.agent_index("y")
    under = {
        o[kind] for s in states for o in s.objects if (o[x], o[y]) == (s.agent[ax], s.agent[ay])
    }
    allowed = one_of("o.kind", schema.object[kind].type, under) if under else "false"
    return f"all(o in objects: not obj_at(o, agent.x, agent.y) or {allowed})"


def holding(
    modules: Sequence[Module], candidates: Sequence[str], states: Sequence[State]
) -> list[str]:
    """The candidates (DSL bool expressions) that every state satisfies."""
    names = [f"seen_candidate_{i}" for i in range(len(candidates))]
    text = "\n".join(f"def {n}() -> bool = {c}" for n, c in zip(names, candidates, strict=True))
    program = check_modules([*modules, parse_module(text, "<candidates>")])
    compiler = ExprCompiler(program)
    action = next(iter(program.schema.actions), "")
    out = []
    for name, candidate in zip(names, candidates, strict=True):
        run = compiler.compile(C.CallE(name, (), C.BOOL))
        if all(run(s, None, action, (), {}) for s in states):
            out.append(candidate)
    return out


def grid_size(schema: C.Schema, states: Sequence[State]) -> tuple[int, int]:
    """Width and height: one more than the largest x and y of the agent or any object seen."""
    return tuple(  # type: ignore[return-value]
        1 + max(max(int(s.agent[schema.agent_index(a)]), *(int(o[schema.object_index(a)]) for o in s.objects))
                for s in states)
        for a in ("x", "y")
    )  # fmt: skip


def kind_members(schema: C.Schema) -> tuple[str, ...]:
    kind = next((f.type for f in schema.object if f.name == "kind"), None)
    return kind.members if isinstance(kind, C.EnumT) else ()
