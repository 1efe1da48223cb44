"""Repair of a program the data refutes in part: keep what the data confirms, replace the rest.

A model is a set of per-field rules (each agent field, each object field, reward, done). Given a
program `base` (an LLM's proposal, say) and a program `donor` that reproduces every transition
(the offline proposer's), `refuted_fields` names the fields whose rule in `base` predicts some
observed transition wrongly, and `splice` rewrites `base` with the donor's rules for exactly those
fields, keeping `base`'s helpers and every rule the data did not refute. Both work on syntax
trees and compiled programs; nothing is read back from text but the two programs themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from dsl import core as C
from dsl import syntax as S
from dsl.compile import compile_program
from dsl.errors import RunError
from dsl.values import Transition

FieldKey = tuple[str, str]
"""("agent", name), ("object", name), or ("outcome", "reward" | "done")."""


def every_field(schema: C.Schema) -> set[FieldKey]:
    return (
        {("agent", f.name) for f in schema.agent}
        | {("object", f.name) for f in schema.object}
        | {("outcome", "reward"), ("outcome", "done")}
    )


def refuted_fields(program: C.Program, data: Iterable[Transition]) -> set[FieldKey]:
    """The fields whose prediction differs from some transition (every field, if it fails to run)."""
    model = compile_program(program)
    schema = program.schema
    out: set[FieldKey] = set()
    for t in data:
        try:
            got = model.step(t.state, t.action, t.mission)
        except RunError:
            return every_field(schema)
        out |= _differences(schema, got.next_state.agent, t.next_state.agent, "agent")
        for mine, seen in zip(got.next_state.objects, t.next_state.objects, strict=True):
            out |= _differences(schema, mine, seen, "object")
        if float(got.reward) != t.reward:
            out.add(("outcome", "reward"))
        if got.done != t.done:
            out.add(("outcome", "done"))
    return out


def _differences(
    schema: C.Schema, mine: tuple[C.Scalar, ...], seen: tuple[C.Scalar, ...], kind: str
) -> set[FieldKey]:
    fields = schema.agent if kind == "agent" else schema.object
    return {(kind, f.name) for f, a, b in zip(fields, mine, seen, strict=True) if a != b}


def splice(base: S.Module, donor: S.Module, fields: set[FieldKey]) -> S.Module:
    """`base` with the donor's rules for `fields` (a field the donor leaves alone keeps its
    value). Helpers, enums and every other rule of `base` stay as they are."""
    if not fields:
        return base
    agent, objects, outcomes = _rules(donor)
    items: list[S.Item] = []
    for item in base.items:
        if isinstance(item, S.TransitionDecl):
            items.append(_transition(item, fields, agent, objects))
        elif isinstance(item, S.OutcomeDecl) and ("outcome", item.name) in fields:
            items.append(outcomes.get(item.name, _default_outcome(item.name)))
        else:
            items.append(item)
    if not any(isinstance(i, S.TransitionDecl) for i in base.items):
        items.append(_transition(S.TransitionDecl(()), fields, agent, objects))
    present = {i.name for i in base.items if isinstance(i, S.OutcomeDecl)}
    items += [
        outcomes.get(name, _default_outcome(name))
        for name in ("reward", "done")
        if name not in present and ("outcome", name) in fields
    ]
    return replace(base, items=tuple(items))


def _rules(
    module: S.Module,
) -> tuple[dict[str, S.Update], tuple[str, dict[str, S.Update]], dict[str, S.OutcomeDecl]]:
    """The module's agent updates, its per-object updates (with their variable) and outcomes."""
    agent: dict[str, S.Update] = {}
    var, objects = "o", {}
    outcomes: dict[str, S.OutcomeDecl] = {}
    for item in module.items:
        if isinstance(item, S.TransitionDecl):
            for rule in item.items:
                if isinstance(rule, S.Update):
                    agent[rule.field] = rule
                else:
                    var, objects = rule.var, {u.field: u for u in rule.updates}
        elif isinstance(item, S.OutcomeDecl):
            outcomes[item.name] = item
    return agent, (var, objects), outcomes


def _transition(
    decl: S.TransitionDecl,
    fields: set[FieldKey],
    agent: dict[str, S.Update],
    objects: tuple[str, dict[str, S.Update]],
) -> S.TransitionDecl:
    kept: list[S.Update | S.ForBlock] = []
    block: S.ForBlock | None = None
    for rule in decl.items:
        if isinstance(rule, S.Update):
            if ("agent", rule.field) not in fields:
                kept.append(rule)
            continue
        block = rule
    kept += [u for name, u in agent.items() if ("agent", name) in fields]
    var, donated = objects
    own = [u for u in block.updates if ("object", u.field) not in fields] if block else []
    into = block.var if block else var
    own += [_rebind(u, var, into) for name, u in donated.items() if ("object", name) in fields]
    if own:
        kept.append(S.ForBlock(into, "objects", tuple(own)))
    return replace(decl, items=tuple(kept))


def _rebind(update: S.Update, var: str, into: str) -> S.Update:
    """The donor's object update under the base's loop variable (`let var = into in ...`)."""
    if var == into:
        return update
    return S.Update(into, update.field, S.Let(var, S.Name(into), update.value))


def _default_outcome(name: str) -> S.OutcomeDecl:
    value: S.Expr = S.IntLit(0) if name == "reward" else S.BoolLit(False)
    return S.OutcomeDecl(name, value)
