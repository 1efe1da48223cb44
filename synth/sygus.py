"""SyGuS-IF 2.1 export of the per-field problems the enumerative learner solves.

Owns `sygus_problems` (dataset + prior -> one `SygusProblem` per learned field) and `sygus_text`
(a problem as a `.sl` file). The problems are built from the data, the schema and the prior alone,
the way the learner poses them, not from the enumerator's internals:

- one problem per agent field and per object field that changes somewhere in the data (a field
  that never changes keeps its value), plus `reward` and `done`;
- an example is a transition (agent fields, reward, done) or a (transition, object) pair (object
  fields); its inputs are what the enumerator's leaves read: the action, the agent's fields, the
  object's fields (object problems), the next state's agent fields (reward and done), and the
  values of the prior's helpers that read the object list or the mission, where those helpers are
  leaves (no parameters; one `state` parameter, applied to the state before and, for reward and
  done, after the action; one `obj` parameter, applied to the object); the output is the field's
  next value (or the reward, or done);
- the prior's other helpers (reading only their parameters, the agent and the action) are written
  as `define-fun`s, their implicit inputs appended as parameters; a helper whose parameters are
  all enums with at most `TABLE` combinations (`has_key(c: Color)`, Taxi's `can_move(a: Action)`)
  is tabulated: its value at every combination is an input and its `define-fun` looks it up;
  those with one or two parameters are operators of the grammar, like the enumerator's bank;
- the grammar is the enumerator's fragment: decision lists (`ite(guard, Start, Start)`, the form
  cvc5's decision-tree unification, `--sygus-unif-pi=complete`, recognises) whose guards
  are conjunctions of atoms (`=` and `<` of terms, `not`, boolean inputs and helpers), terms built
  from inputs, constants (0, 1, -1 and the rewards seen), enum members, `+`, `-` and helpers.

Other helpers with parameters that read the object list or the mission (`blocked(x, y)`) have
no SyGuS form here; a file names them in its header. Identical inputs with different outputs cannot
both be met: the later rows are dropped and counted (`conflicts`).
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, assert_never

from dsl import core as C
from dsl.interp import Context, evaluate
from dsl.simplify import callees_first
from dsl.values import Transition

ProblemKind = Literal["agent", "object", "reward", "done"]
OBJ = "o"
INT_CONSTANTS = (0, 1, -1)


@dataclass(frozen=True)
class Feature:
    """One input of a problem: its SMT name and the expression whose value it is."""

    name: str
    expr: C.Expr
    type: C.Type


@dataclass(frozen=True)
class Helper:
    """A prior helper as a `define-fun`: its own parameters, then the inputs it reads."""

    fn: C.FnDef
    implicit: tuple[Feature, ...]
    body: str


@dataclass(frozen=True)
class SygusProblem:
    """One field's synthesis problem: inputs, examples, the prior's helpers and the grammar."""

    name: str
    """The synthesized function's name, also the file stem: `next.agent.x`, `next.o.open`,
    `reward`, `done`."""
    kind: ProblemKind
    field: str
    output: C.Type
    features: tuple[Feature, ...]
    examples: tuple[tuple[tuple[C.Scalar, ...], C.Scalar], ...]
    rows: tuple[tuple[int, int | None], ...]
    """Where each example came from: (index into the data, object index or None)."""
    helpers: tuple[Helper, ...]
    operators: tuple[str, ...]
    """Helpers the grammar may apply (one or two parameters, or none)."""
    constants: tuple[int, ...]
    enums: tuple[C.EnumT, ...]
    left_out: tuple[str, ...] = ()
    """Helpers with parameters that read the object list or the mission (no SyGuS form)."""
    conflicts: int = 0
    """Rows dropped because an earlier row had the same inputs and another output."""
    rows_seen: int = 0
    """Distinct rows before sampling down to the example budget."""


# ----------------------------------------------------------------------------- the problems


def sygus_problems(
    program: C.Program, data: Sequence[Transition], *, max_examples: int = 200, seed: int = 0
) -> list[SygusProblem]:
    """The problems the learner solves on `data` under the prior `program` (schema + helpers),
    each with at most `max_examples` examples: a sample of the rows where the value changes
    (reward: is not 0; done: is true) and of the others, half and half where both are enough."""
    schema = program.schema
    rng = random.Random(seed)
    helpers = _helpers(program)
    out: list[SygusProblem] = []
    for i, f in enumerate(schema.agent):
        if any(t.state.agent[i] != t.next_state.agent[i] for t in data):
            every = [(k, None) for k in range(len(data))]
            out.append(_problem(program, helpers, data, "agent", f, every, max_examples, rng))
    pairs = [(k, j) for k, t in enumerate(data) for j in range(len(t.state.objects))]
    for i, f in enumerate(schema.object):
        changed = [(k, j) for k, j in pairs
                   if data[k].state.objects[j][i] != data[k].next_state.objects[j][i]]  # fmt: skip
        if changed:
            moved = set(changed)
            rest = [p for p in pairs if p not in moved]
            sample = rng.sample(rest, min(len(rest), 4 * max_examples))
            objects = sorted(moved | set(sample))
            out.append(_problem(program, helpers, data, "object", f, objects, max_examples, rng))
    rows: list[tuple[int, int | None]] = [(k, None) for k in range(len(data))]
    if all(float(t.reward).is_integer() for t in data):
        reward = C.Field("reward", C.INT)
        out.append(_problem(program, helpers, data, "reward", reward, rows, max_examples, rng))
    done = C.Field("done", C.BOOL)
    out.append(_problem(program, helpers, data, "done", done, rows, max_examples, rng))
    return out


def _problem(
    program: C.Program, helpers: list[Helper], data: Sequence[Transition], kind: ProblemKind,
    f: C.Field, rows: Sequence[tuple[int, int | None]], max_examples: int, rng: random.Random,
) -> SygusProblem:  # fmt: skip
    features = _features(program, helpers, kind)
    seen: dict[tuple[C.Scalar, ...], C.Scalar] = {}
    where: dict[tuple[C.Scalar, ...], tuple[int, int | None]] = {}
    changed: list[tuple[C.Scalar, ...]] = []
    conflicts = 0
    for k, j in rows:
        t = data[k]
        inputs = _inputs(program, features, t, j)
        out, same = _output(program, kind, f, t, j)
        if inputs in seen:
            conflicts += seen[inputs] != out
            continue
        seen[inputs], where[inputs] = out, (k, j)
        if not same:
            changed.append(inputs)
    moved = set(changed)
    others = [x for x in seen if x not in moved]
    wanted = min(len(changed), max(max_examples // 2, max_examples - len(others)))
    keep = rng.sample(changed, wanted)
    keep += rng.sample(others, min(len(others), max_examples - wanted))
    keep.sort(key=lambda x: where[x])
    operators = tuple(h.fn.name for h in helpers if len(h.fn.params) <= 2)
    known = {h.fn.name for h in helpers} | {_called(x.expr) for x in features}
    left_out = tuple(fn.name for fn in program.functions if fn.name not in known and _operator(fn))
    constants: tuple[int, ...] = INT_CONSTANTS
    if kind == "reward":
        constants += tuple(sorted({int(t.reward) for t in data} - set(INT_CONSTANTS)))
    return SygusProblem(
        _name(kind, f.name), kind, f.name, f.type, features,
        tuple((x, seen[x]) for x in keep), tuple(where[x] for x in keep), tuple(helpers),
        operators, constants, program.schema.enums, left_out, conflicts, len(seen),
    )  # fmt: skip


def _name(kind: ProblemKind, fname: str) -> str:
    match kind:
        case "agent":
            return f"next.agent.{fname}"
        case "object":
            return f"next.{OBJ}.{fname}"
        case "reward" | "done":
            return kind
        case _:
            assert_never(kind)


def _operator(fn: C.FnDef) -> bool:
    """Whether the enumerator applies `fn` to smaller expressions (one or two parameters, none
    of them a state or an object list)."""
    return 0 < len(fn.params) <= 2 and not any(
        isinstance(t, C.StateT | C.ObjsT) for _, t in fn.params
    )


def _called(e: C.Expr) -> str:
    return e.fn if isinstance(e, C.CallE) else ""


def _output(
    program: C.Program, kind: ProblemKind, f: C.Field, t: Transition, j: int | None
) -> tuple[C.Scalar, bool]:
    """The row's output and whether it equals the value before (the frame default)."""
    match kind:
        case "agent":
            i = program.schema.agent_index(f.name)
            return t.next_state.agent[i], t.next_state.agent[i] == t.state.agent[i]
        case "object":
            assert j is not None
            i = program.schema.object_index(f.name)
            after, before = t.next_state.objects[j][i], t.state.objects[j][i]
            return after, after == before
        case "reward":
            return int(t.reward), t.reward == 0
        case "done":
            return t.done, not t.done
        case _:
            assert_never(kind)


# ----------------------------------------------------------------------------- inputs


def _base_features(schema: C.Schema, kind: ProblemKind) -> list[Feature]:
    pre, post = C.StateRef("pre"), C.StateRef("post")
    out: list[Feature] = []
    if schema.action is not None:
        out.append(Feature("action", C.ActionRef(schema.action), schema.action))
    out += [Feature(f"agent.{f.name}", C.GetField(C.AgentOf(pre), f.name, i, f.type), f.type)
            for i, f in enumerate(schema.agent)]  # fmt: skip
    if kind == "object":
        out += [Feature(f"{OBJ}.{f.name}", C.GetField(C.Var(OBJ, C.OBJ), f.name, i, f.type), f.type)
                for i, f in enumerate(schema.object)]  # fmt: skip
    if kind in ("reward", "done"):
        out += [Feature(f"next.agent.{f.name}", C.GetField(C.AgentOf(post), f.name, i, f.type),
                        f.type) for i, f in enumerate(schema.agent)]  # fmt: skip
    return out


def _features(program: C.Program, helpers: list[Helper], kind: ProblemKind) -> tuple[Feature, ...]:
    """The base inputs, then the leaf helpers that have no `define-fun`, by their values."""
    out = _base_features(program.schema, kind)
    base = {f.name for f in _base_features(program.schema, "agent")}
    out += [f for h in helpers for f in h.implicit if f.name not in base and f not in out]
    translatable = {h.fn.name for h in helpers}
    with_post = kind in ("reward", "done")
    for fn in program.functions:
        if fn.name in translatable or not _scalar(fn.ret) or (fn.uses_next and not with_post):
            continue
        params = [t for _, t in fn.params]
        if not params:
            out.append(Feature(fn.name, C.CallE(fn.name, (), fn.ret), fn.ret))
        elif params == [C.STATE]:
            out.append(Feature(f"{fn.name}.pre", C.CallE(fn.name, (C.StateRef("pre"),), fn.ret),
                               fn.ret))  # fmt: skip
            if with_post:
                out.append(Feature(f"{fn.name}.next",
                                   C.CallE(fn.name, (C.StateRef("post"),), fn.ret), fn.ret))  # fmt: skip
        elif params == [C.OBJ] and kind == "object":
            out.append(Feature(f"{fn.name}.{OBJ}", C.CallE(fn.name, (C.Var(OBJ, C.OBJ),), fn.ret),
                               fn.ret))  # fmt: skip
    return tuple(out)


def _scalar(t: C.Type) -> bool:
    return isinstance(t, C.BoolT | C.IntT | C.EnumT)


def _inputs(
    program: C.Program, features: Iterable[Feature], t: Transition, j: int | None
) -> tuple[C.Scalar, ...]:
    ctx = Context(program, t.state, t.next_state, t.action, t.mission)
    env: dict[str, Any] = {} if j is None else {OBJ: t.state.objects[j]}
    values = tuple(evaluate(f.expr, ctx, env) for f in features)
    assert all(isinstance(v, bool | int | str) for v in values)
    return values  # type: ignore[return-value]


# ----------------------------------------------------------------------------- SMT-LIB terms


class Opaque(Exception):
    """An expression with no SMT-LIB form over the problem's inputs."""


def sort(t: C.Type) -> str:
    match t:
        case C.BoolT():
            return "Bool"
        case C.IntT():
            return "Int"
        case C.EnumT(name=name):
            return name
        case _:
            raise Opaque(f"no SyGuS sort for {t}")


def value(v: C.Scalar, t: C.Type) -> str:
    """A constant as an SMT-LIB term."""
    if isinstance(t, C.EnumT):
        return f"{t.name}.{v}"
    if isinstance(v, bool):
        return "true" if v else "false"
    assert isinstance(v, int)
    return str(v) if v >= 0 else f"(- {-v})"


@dataclass
class Terms:
    """Core expressions as SMT-LIB terms: `leaves` name the inputs, `helpers` the define-funs."""

    leaves: dict[C.Expr, str]
    helpers: dict[str, Helper]
    used: set[str] = field(default_factory=set)
    """Input names read so far (a helper's implicit parameters)."""

    def term(self, e: C.Expr, local: frozenset[str] = frozenset()) -> str:
        if e in self.leaves:
            self.used.add(self.leaves[e])
            return self.leaves[e]
        match e:
            case C.Lit(v, t):
                return value(v, t)
            case C.Var(name) if name in local:
                return name
            case C.Prim(op, args):
                return self._prim(op, [self.term(a, local) for a in args])
            case C.Ite(cond, then, orelse):
                parts = (self.term(cond, local), self.term(then, local), self.term(orelse, local))
                return f"(ite {' '.join(parts)})"
            case C.LetIn(name, v, body):
                return f"(let (({name} {self.term(v, local)})) {self.term(body, local | {name})})"
            case C.MatchE(subject, arms):
                return self._match(subject, arms, local)
            case C.CallE(fn, args) if fn in self.helpers:
                helper = self.helpers[fn]
                extra = [self.term(f.expr) for f in helper.implicit]
                return f"({' '.join([fn, *(self.term(a, local) for a in args), *extra])})"
            case _:
                raise Opaque(type(e).__name__)

    def _match(self, subject: C.Expr, arms: tuple[C.Expr, ...], local: frozenset[str]) -> str:
        enum = subject.type
        assert isinstance(enum, C.EnumT)
        s = self.term(subject, local)
        out = self.term(arms[-1], local)
        for member, arm in reversed(list(zip(enum.members[:-1], arms[:-1], strict=True))):
            out = f"(ite (= {s} {value(member, enum)}) {self.term(arm, local)} {out})"
        return out

    @staticmethod
    def _prim(op: C.PrimOp, a: list[str]) -> str:
        simple = {"and": "and", "or": "or", "not": "not", "neg": "-", "+": "+", "-": "-",
                  "*": "*", "//": "div", "%": "mod", "==": "=", "<": "<", "<=": "<=", ">": ">",
                  ">=": ">=", "abs": "abs"}  # fmt: skip
        match op:
            case "!=":
                return f"(not (= {a[0]} {a[1]}))"
            case "min":
                return f"(ite (<= {a[0]} {a[1]}) {a[0]} {a[1]})"
            case "max":
                return f"(ite (>= {a[0]} {a[1]}) {a[0]} {a[1]})"
            case _:
                return f"({simple[op]} {' '.join(a)})"


def _helpers(program: C.Program) -> list[Helper]:
    """The helpers with an SMT-LIB form, callees first: those reading only their parameters,
    the agent before the action and the action (translated), and those whose parameters are all
    enums with at most `TABLE` argument combinations (tabulated: their value at every combination
    is an input, and the `define-fun` looks it up)."""
    base = _base_features(program.schema, "agent")
    inputs = list(base)
    leaves = {f.expr: f.name for f in base}
    done: dict[str, Helper] = {}
    for fn in callees_first(program):
        terms = Terms(leaves, done)
        try:
            params = [f"({n} {sort(t)})" for n, t in fn.params]
            ret = sort(fn.ret)
            body = terms.term(fn.body, frozenset(n for n, _ in fn.params))
        except Opaque:
            table = _table(fn)
            if table is None:
                continue
            body, terms.used = _lookup(fn, table), {f.name for f in table}
            inputs += table
            leaves.update((f.expr, f.name) for f in table)
        implicit = tuple(f for f in inputs if f.name in terms.used)
        params += [f"({f.name} {sort(f.type)})" for f in implicit]
        text = f"(define-fun {fn.name} ({' '.join(params)}) {ret}\n  {body})"
        done[fn.name] = Helper(fn, implicit, text)
    return list(done.values())


TABLE = 16
"""Most argument combinations of a helper tabulated as inputs."""


def _table(fn: C.FnDef) -> list[Feature] | None:
    """The inputs of a tabulated helper: its call on every combination of enum members."""
    types = [t for _, t in fn.params]
    if not types or fn.uses_next or not _scalar(fn.ret):
        return None
    if not all(isinstance(t, C.EnumT) for t in types):
        return None
    enums = [t for t in types if isinstance(t, C.EnumT)]
    combos = list(itertools.product(*(e.members for e in enums)))
    if len(combos) > TABLE:
        return None
    return [Feature(".".join([fn.name, *combo]),
                    C.CallE(fn.name, tuple(C.Lit(m, e) for m, e in zip(combo, enums, strict=True)), fn.ret),
                    fn.ret) for combo in combos]  # fmt: skip


def _lookup(fn: C.FnDef, table: list[Feature]) -> str:
    """A tabulated helper's body: the input named by its arguments."""
    out = table[-1].name
    for f in reversed(table[:-1]):
        assert isinstance(f.expr, C.CallE)
        tests = [f"(= {n} {value(a.value, t)})" for (n, t), a in zip(fn.params, f.expr.args, strict=True)
                 if isinstance(a, C.Lit)]  # fmt: skip
        test = tests[0] if len(tests) == 1 else f"(and {' '.join(tests)})"
        out = f"(ite {test} {f.name} {out})"
    return out


def term_of(problem: SygusProblem, e: C.Expr) -> str:
    """A learned rule (a core expression over the problem's inputs) as an SMT-LIB term;
    raises `Opaque` when it reads something that is not an input or a define-fun."""
    leaves = {f.expr: f.name for f in problem.features}
    return Terms(leaves, {h.fn.name: h for h in problem.helpers}).term(e)


# ----------------------------------------------------------------------------- the file


def sygus_text(problem: SygusProblem) -> str:
    """The problem as a SyGuS-IF 2.1 file (logic ALL: datatypes, linear integer arithmetic)."""
    p = problem
    lines = [
        f"; WorldCoder: the rule of `{p.name}` ({p.kind} field {p.field!r}) from "
        f"{len(p.examples)} examples ({p.rows_seen} distinct rows seen, {p.conflicts} "
        "conflicting rows dropped)",
    ]
    if p.left_out:
        lines.append(f"; helpers with no SyGuS form (they read the objects or the mission "
                     f"and take parameters): {', '.join(p.left_out)}")  # fmt: skip
    lines += _declarations(p)
    lines.append(f"(synth-fun {p.name} ({_params(p)}) {sort(p.output)}")
    lines.append(_grammar(p))
    lines.append(")")
    lines += [f"(constraint {eq})" for eq in _equations(p)]
    lines.append("(check-synth)")
    return "\n".join(lines) + "\n"


def check_text(problem: SygusProblem, term: str) -> str:
    """An SMT-LIB script that is unsat exactly when `term` (over the problem's inputs, e.g. from
    `term_of` or a SyGuS solver's answer) meets every example of `problem`."""
    p = problem
    lines = _declarations(p)
    lines.append(f"(define-fun {p.name} ({_params(p)}) {sort(p.output)} {term})")
    lines.append(f"(assert (not (and true {' '.join(_equations(p))})))")
    lines.append("(check-sat)")
    return "\n".join(lines) + "\n"


def _declarations(p: SygusProblem) -> list[str]:
    """The logic, the enum datatypes and the helpers' `define-fun`s, shared by both files."""
    lines = ["(set-logic ALL)"]
    for enum in p.enums:
        members = " ".join(f"({value(m, enum)})" for m in enum.members)
        lines.append(f"(declare-datatype {enum.name} ({members}))")
    return lines + [h.body for h in p.helpers]


def _params(p: SygusProblem) -> str:
    return " ".join(f"({f.name} {sort(f.type)})" for f in p.features)


def _equations(p: SygusProblem) -> list[str]:
    """`(= (rule inputs) output)` for each example."""
    out = []
    for inputs, result in p.examples:
        args = " ".join(value(v, f.type) for v, f in zip(inputs, p.features, strict=True))
        out.append(f"(= ({p.name} {args}) {value(result, p.output)})")
    return out


def _nt(t: C.Type) -> str:
    return f"T.{sort(t)}"


def _grammar(p: SygusProblem) -> str:
    """Decision lists over guards (conjunctions of atoms) choosing among terms of each sort."""
    types: list[C.Type] = [C.BOOL, C.INT, *p.enums]
    rules: dict[str, list[str]] = {_nt(t): [] for t in types}
    rules[_nt(C.INT)] += [value(c, C.INT) for c in p.constants]
    for enum in p.enums:
        rules[_nt(enum)] += [value(m, enum) for m in enum.members]
    rules[_nt(C.BOOL)] += ["true", "false"]
    for f in p.features:
        rules[_nt(f.type)].append(f.name)
    helpers = {h.fn.name: h for h in p.helpers}
    for name in p.operators:
        h = helpers[name]
        args = [_nt(t) for _, t in h.fn.params] + [f.name for f in h.implicit]
        rules[_nt(h.fn.ret)].append(f"({' '.join([name, *args])})")
    i, b = _nt(C.INT), _nt(C.BOOL)
    rules[i] += [f"(+ {i} {i})", f"(- {i} {i})"]
    rules[b] += [f"(not {b})", f"(< {i} {i})", f"(= {i} {i})"]
    rules[b] += [f"(= {_nt(e)} {_nt(e)})" for e in p.enums]
    out = _nt(p.output)
    decls = [("Start", sort(p.output)), ("Guard", "Bool")] + [(_nt(t), sort(t)) for t in types]
    heads = " ".join(f"({n} {s})" for n, s in decls)
    body = [f"  (Start {sort(p.output)} ({out} (ite Guard Start Start)))",
            f"  (Guard Bool ({b} (and {b} Guard)))"]  # fmt: skip
    body += [f"  ({_nt(t)} {sort(t)} ({' '.join(rules[_nt(t)])}))" for t in types]
    return f"  ({heads})\n  (\n" + "\n".join(body) + "\n  )"
