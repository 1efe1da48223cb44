"""Object keys: which objects a condition can hold for, as equalities on their fields. Analysis only.

A condition over an object variable `o`, such as `o.x == fx() and o.y == fy() and o.open`, can only
hold for objects whose fields equal values that do not depend on `o`. `object_keys` finds such
equalities (`Key`: field index -> object-free expression) for every disjunct of a condition, so the
compiler can pick the candidate objects by comparing fields instead of running the condition on
every object. `change_condition` gives, for a per-object update, a condition outside of which it
keeps the field's value; `update_keys` turns those of all rules into keys, so a step touches only
the objects that can change.

Both are conservative: None means "no key found", and the compiler then scans every object. Let
bindings on the way to a conjunct are seen through when their value does not read `o`, which is
how inlined helpers (`in_front(o)` -> `let x = fx() in ... o.x == x`) keep their keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from dsl import core as C
from dsl.simplify import children, is_identity, rebuild

Key: TypeAlias = tuple[tuple[int, C.Expr], ...]
"""(field index, object-free expression) pairs, by field index: the object's fields must equal them."""

_Env: TypeAlias = Mapping[str, C.Expr | None]
"""Let-bound names on the way down: their value with outer lets resolved (None: not resolvable
without capturing a name). A value that reads the object makes no key: `_outside` refuses it."""


def object_keys(cond: C.Expr, var: str, outer: frozenset[str]) -> tuple[Key, ...] | None:
    """Keys covering every object bound to `var` that satisfies `cond`, one per disjunct, or None.

    Key expressions read only the names in `outer` (bound where the objects are enumerated),
    parameterless helpers and the step's inputs, never `var`.
    """
    keys: list[Key] = []
    for disjunct, env in _split(cond, "or", {}):
        if disjunct == C.Lit(False, C.BOOL):
            continue
        key = _key(disjunct, env, var, outer)
        if not key:
            return None
        if key not in keys:
            keys.append(key)
    return tuple(keys)


def update_keys(updates: tuple[tuple[int, C.Expr], ...], var: str) -> tuple[Key, ...] | None:
    """Keys covering every object that the per-object rules `(field index, update)` can change."""
    either: C.Expr = C.Lit(False, C.BOOL)
    for index, update in updates:
        change = change_condition(update, var, index)
        if change is None:
            return None
        either = _or(either, change)
    return object_keys(either, var, frozenset())


def change_condition(update: C.Expr, var: str, index: int) -> C.Expr | None:
    """A condition outside of which `var.field := update` keeps the value (None: not found).

    `if c then v else rest` keeps the value where `c` is false and `rest` keeps it; a `match` on a
    field keeps it in every arm that does.
    """
    if is_identity(update, var, index):
        return C.Lit(False, C.BOOL)
    match update:
        case C.Ite(cond, then, orelse):
            rest = change_condition(orelse, var, index)
            if rest is None:
                return None
            if is_identity(then, var, index):
                return rest
            return _or(cond, rest)
        case C.LetIn(name, value, body, _):
            inner = change_condition(body, var, index)
            return None if inner is None else C.LetIn(name, value, inner, C.BOOL)
        case C.MatchE(subject, arms) if isinstance(subject.type, C.EnumT):
            parts: list[C.Expr] = []
            for member, arm in zip(subject.type.members, arms, strict=True):
                inner = change_condition(arm, var, index)
                if inner is None:
                    return None
                if inner != C.Lit(False, C.BOOL):
                    is_member = C.Prim("==", (subject, C.Lit(member, subject.type)), C.BOOL)
                    parts.append(C.Prim("and", (is_member, inner), C.BOOL))
            out: C.Expr = C.Lit(False, C.BOOL)
            for part in parts:
                out = _or(out, part)
            return out
        case _:
            return None


def free_vars(e: C.Expr) -> frozenset[str]:
    """The variables `e` reads that no binder inside it binds."""
    match e:
        case C.Var(name):
            return frozenset((name,))
        case C.LetIn(name, value, body):
            return free_vars(value) | (free_vars(body) - {name})
        case C.QuantE(_, name, coll, body):
            return free_vars(coll) | (free_vars(body) - {name})
        case C.TheE(name, coll, cond, value, default):
            return (
                free_vars(coll) | free_vars(default) | (free_vars(cond) | free_vars(value)) - {name}
            )
        case _:
            out: frozenset[str] = frozenset()
            for child in children(e):
                out |= free_vars(child)
            return out


def _or(a: C.Expr, b: C.Expr) -> C.Expr:
    if a == C.Lit(False, C.BOOL):
        return b
    if b == C.Lit(False, C.BOOL):
        return a
    return C.Prim("or", (a, b), C.BOOL)


def _split(e: C.Expr, op: str, env: _Env) -> list[tuple[C.Expr, _Env]]:
    """`e` split at `op` ("and" or "or", through lets), each part with the lets above it."""
    match e:
        case C.Prim(found, (a, b)) if found == op:
            return _split(a, op, env) + _split(b, op, env)
        case C.LetIn(name, value, body):
            return _split(body, op, _bind(env, name, value))
        case _:
            return [(e, env)]


def _key(e: C.Expr, env: _Env, var: str, outer: frozenset[str]) -> Key:
    found: dict[int, C.Expr] = {}
    for atom, at in _split(e, "and", env):
        hit = _field_equality(atom, at, var, outer)
        if hit is not None and hit[0] not in found:
            found[hit[0]] = hit[1]
    return tuple(sorted(found.items()))


def _bind(env: _Env, name: str, value: C.Expr) -> _Env:
    return {**env, name: _resolve(value, env)}


def _field_equality(
    atom: C.Expr, env: _Env, var: str, outer: frozenset[str]
) -> tuple[int, C.Expr] | None:
    """`o.f == e`, `e == o.f`, `o.f` or `not o.f` as (index of f, e), if e does not read `o`."""
    match atom:
        case C.Prim("==", (a, b)):
            for mine, other in ((a, b), (b, a)):
                index = _own_field(mine, var)
                value = _resolve(other, env)
                if index is not None and value is not None and _outside(value, var, outer):
                    return index, value
            return None
        case C.Prim("not", (inner,)):
            index = _own_field(inner, var)
            return None if index is None else (index, C.Lit(False, C.BOOL))
        case _:
            index = _own_field(atom, var)
            return None if index is None else (index, C.Lit(True, C.BOOL))


def _own_field(e: C.Expr, var: str) -> int | None:
    if isinstance(e, C.GetField) and e.record == C.Var(var, C.OBJ):
        return e.index
    return None


def _resolve(e: C.Expr, env: _Env) -> C.Expr | None:
    """`e` with let-bound names replaced by their values (None if one of them reads the object)."""
    names = free_vars(e) & env.keys()
    if not names:
        return e
    values = {n: v for n in names if (v := env[n]) is not None}
    if len(values) < len(names):
        return None
    read = frozenset().union(*(free_vars(v) for v in values.values()))
    if _binds_any(e, names | read):  # a binder inside `e` would capture a name
        return None
    return _substitute(e, values)


def _binds_any(e: C.Expr, names: frozenset[str]) -> bool:
    match e:
        case C.LetIn(name) | C.QuantE(_, name) | C.TheE(name) if name in names:
            return True
        case _:
            return any(_binds_any(c, names) for c in children(e))


def _substitute(e: C.Expr, values: Mapping[str, C.Expr]) -> C.Expr:
    match e:
        case C.Var(name) if name in values:
            return values[name]
        case C.LetIn(name, value, body, t):
            return C.LetIn(name, _substitute(value, values), _substitute(body, values), t)
        case C.QuantE(kind, name, coll, body, t):
            return C.QuantE(kind, name, _substitute(coll, values), _substitute(body, values), t)
        case C.TheE(name, coll, cond, value, default, t):
            s = _substitute
            return C.TheE(name, s(coll, values), s(cond, values), s(value, values),
                          s(default, values), t)  # fmt: skip
        case _:
            kids = children(e)
            return rebuild(e, tuple(_substitute(k, values) for k in kids)) if kids else e


def _outside(value: C.Expr, var: str, outer: frozenset[str]) -> bool:
    """Whether `value` can be computed where the objects are enumerated (reads no hole either)."""
    return free_vars(value) <= outer - {var} and not _has_hole(value)


def _has_hole(e: C.Expr) -> bool:
    return isinstance(e, C.HoleE) or any(_has_hole(c) for c in children(e))
