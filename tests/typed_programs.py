"""Hypothesis strategies for WELL-TYPED DSL models over one fixed schema, and for their inputs.

Programs are generated type-directed as text (so they also exercise the parser and checker) and
must type-check; states, actions and missions are drawn to fit the schema. Used by the
differential tests (interpreter vs compiled closures; later the Z3 encoding).
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from dsl import core as C
from dsl.compile import CompiledModel
from dsl.interp import run_step
from dsl.values import Mission, Outcome, State

SCHEMA = """
enum Kind { none, wall, door, key, ball }
enum Color { red, green, blue }
actions { left, right, forward, pickup, toggle }
record agent {
  x: int[0..7]
  y: int[0..7]
  dir: int[0..3]
  carrying: Kind
}
record object {
  kind: Kind
  color: Color
  x: int[-1..7]
  y: int[-1..7]
  open: bool
}
"""

ENUMS = {
    "Kind": ("none", "wall", "door", "key", "ball"),
    "Color": ("red", "green", "blue"),
    "Action": ("left", "right", "forward", "pickup", "toggle"),
}
AGENT_FIELDS = {"x": "int", "y": "int", "dir": "int", "carrying": "Kind"}
OBJECT_FIELDS = {"kind": "Kind", "color": "Color", "x": "int", "y": "int", "open": "bool"}
WORDS = ("go", "to", "the", "red", "green", "blue", "key", "door", "ball", "pick", "up", "a")


@dataclass(frozen=True)
class Ctx:
    """What an expression being generated may mention."""

    scope: tuple[tuple[str, str], ...]
    allow_next: bool
    helpers: tuple[tuple[str, tuple[str, ...], str], ...]
    fresh: int = 0

    def bind(self, ty: str) -> tuple[Ctx, str]:
        name = f"v{self.fresh}"
        return Ctx(((name, ty), *self.scope), self.allow_next, self.helpers, self.fresh + 1), name


@st.composite
def expr(draw: st.DrawFn, ty: str, depth: int, ctx: Ctx) -> str:
    """An expression of type `ty` (int, bool, word, Kind, Color, Action)."""
    leaf = depth <= 0 or draw(st.integers(0, 3)) == 0
    if leaf:
        return draw(_leaf(ty, ctx))
    options = ["if", "let", "match", "the", "call", *_specific(ty)]
    choice = draw(st.sampled_from(options))
    sub = depth - 1
    if choice == "if":
        c, a, b = draw(expr("bool", sub, ctx)), draw(expr(ty, sub, ctx)), draw(expr(ty, sub, ctx))
        return f"(if {c} then {a} else {b})"
    if choice == "let":
        vty = draw(st.sampled_from(["int", "bool", "Kind"]))
        value = draw(expr(vty, sub, ctx))
        inner, name = ctx.bind(vty)
        return f"(let {name} = {value} in {draw(expr(ty, sub, inner))})"
    if choice == "match":
        enum = draw(st.sampled_from(sorted(ENUMS)))
        subject = draw(expr(enum, sub, ctx))
        members = ENUMS[enum]
        listed = draw(st.lists(st.sampled_from(members), unique=True, max_size=len(members)))
        arms = [f"{m} => {draw(expr(ty, sub, ctx))}" for m in listed]
        if len(listed) < len(members):
            arms.append(f"_ => {draw(expr(ty, sub, ctx))}")
        return f"match {subject} {{ {', '.join(arms)} }}"
    if choice == "the":
        inner, name = ctx.bind("obj")
        cond = draw(expr("bool", sub, inner))
        value, default = draw(expr(ty, sub, inner)), draw(expr(ty, sub, ctx))
        coll = draw(_coll(ctx))
        return f"the({name} in {coll} where {cond}: {value} else {default})"
    if choice == "call":
        has_obj = any(t == "obj" for _, t in ctx.scope)
        fitting = [h for h in ctx.helpers if h[2] == ty and (has_obj or "obj" not in h[1])]
        if not fitting:
            return draw(_leaf(ty, ctx))
        name, params, _ = draw(st.sampled_from(fitting))
        args = [draw(expr(p, sub, ctx)) if p != "obj" else draw(_obj(ctx)) for p in params]
        return f"{name}({', '.join(args)})"
    return draw(_compound(ty, choice, sub, ctx))


def _specific(ty: str) -> list[str]:
    if ty == "int":
        return ["arith", "arith", "neg", "divmod", "minmax", "count", "sum"]
    if ty == "bool":
        return ["cmp", "cmp", "eq", "logic", "logic", "not", "quant", "has_word", "key"]
    if ty in ("Kind", "Color"):
        return ["lookup", "find"]
    return []


@st.composite
def _compound(draw: st.DrawFn, ty: str, choice: str, sub: int, ctx: Ctx) -> str:
    def e(t: str, c: Ctx = ctx) -> str:
        return draw(expr(t, sub, c))

    if choice == "arith":
        return f"({e('int')} {draw(st.sampled_from(['+', '-', '*']))} {e('int')})"
    if choice == "neg":
        return f"(-{e('int')})"
    if choice == "divmod":
        return f"({e('int')} {draw(st.sampled_from(['//', '%']))} {draw(st.integers(1, 4))})"
    if choice == "minmax":
        fn = draw(st.sampled_from(["min", "max", "abs"]))
        return f"abs({e('int')})" if fn == "abs" else f"{fn}({e('int')}, {e('int')})"
    if choice in ("count", "sum", "quant"):
        inner, name = ctx.bind("obj")
        kind = {"count": "count", "sum": "sum"}.get(choice) or draw(st.sampled_from(["any", "all"]))
        body = e("int" if kind == "sum" else "bool", inner)
        return f"{kind}({name} in {draw(_coll(ctx))}: {body})"
    if choice == "cmp":
        return (
            f"({e('int')} {draw(st.sampled_from(['<', '<=', '>', '>=', '==', '!=']))} {e('int')})"
        )
    if choice == "eq":
        t = draw(st.sampled_from(["Kind", "Color", "Action", "word", "bool"]))
        return f"({e(t)} {draw(st.sampled_from(['==', '!=']))} {e(t)})"
    if choice == "logic":
        return f"({e('bool')} {draw(st.sampled_from(['and', 'or']))} {e('bool')})"
    if choice == "not":
        return f"(not {e('bool')})"
    if choice == "key":  # `o.f == e and ...`: the shape the compiler's object keys pick up
        objs = [n for n, t in ctx.scope if t == "obj"]
        if not objs:
            return f"({e('bool')} and {e('bool')})"
        field, ft = draw(st.sampled_from(sorted(OBJECT_FIELDS.items())))
        atom = f"{draw(st.sampled_from(objs))}.{field}"
        atom = atom if ft == "bool" else f"{atom} == {e(ft)}"
        return f"({atom} and {e('bool')})"
    if choice == "has_word":
        return f"has_word({e('word')})"
    if choice == "lookup":
        return f"lookup({ty}, {e('word')}, {e(ty)})"
    if choice == "find":
        return f"find({ty}, {e('int')}, {e(ty)})"
    raise AssertionError(choice)


@st.composite
def _coll(draw: st.DrawFn, ctx: Ctx) -> str:
    return draw(
        st.sampled_from(
            ["objects", "state.objects", "next.objects"]
            if ctx.allow_next
            else ["objects", "state.objects"]
        )
    )


@st.composite
def _obj(draw: st.DrawFn, ctx: Ctx) -> str:
    return draw(st.sampled_from([n for n, t in ctx.scope if t == "obj"]))


@st.composite
def _leaf(draw: st.DrawFn, ty: str, ctx: Ctx) -> str:
    candidates = [n for n, t in ctx.scope if t == ty]
    for n, t in ctx.scope:
        if t == "obj":
            candidates += [f"{n}.{f}" for f, ft in OBJECT_FIELDS.items() if ft == ty]
    states = ["agent", "state.agent"] + (["next.agent"] if ctx.allow_next else [])
    candidates += [f"{s}.{f}" for s in states for f, ft in AGENT_FIELDS.items() if ft == ty]
    if ty == "int":
        candidates += [str(draw(st.integers(0, 9)))]
    elif ty == "bool":
        candidates += ["true", "false"]
    elif ty == "word":
        candidates += [f'"{draw(st.sampled_from(WORDS))}"', f"word({draw(st.integers(0, 6))})"]
    elif ty == "Action":
        candidates += ["action", f"Action.{draw(st.sampled_from(ENUMS['Action']))}"]
    else:
        candidates += [f"{ty}.{draw(st.sampled_from(ENUMS[ty]))}"]
    return draw(st.sampled_from(candidates))


@st.composite
def models(draw: st.DrawFn, depth: int = 3) -> str:
    """A whole well-typed model: helpers, a transition and reward/done."""
    helpers: list[tuple[str, tuple[str, ...], str]] = []
    lines = [SCHEMA]
    for i in range(draw(st.integers(0, 2))):
        params = tuple(draw(st.lists(st.sampled_from(["int", "bool", "obj"]), max_size=2)))
        ret = draw(st.sampled_from(["int", "bool", "Kind"]))
        scope = tuple((f"p{j}", t) for j, t in enumerate(params))
        body = draw(expr(ret, depth - 1, Ctx(scope, False, tuple(helpers))))
        sig = ", ".join(f"p{j}: {t}" for j, t in enumerate(params))
        lines.append(f"def h{i}({sig}) -> {ret} = {body}")
        helpers.append((f"h{i}", params, ret))
    top = Ctx((), False, tuple(helpers))
    updates = []
    for name, ty in AGENT_FIELDS.items():
        if draw(st.booleans()):
            updates.append(f"  agent.{name} := {draw(expr(ty, depth, top))}")
    obj_ctx = Ctx((("o", "obj"),), False, tuple(helpers))
    obj_updates = []
    for name, ty in OBJECT_FIELDS.items():
        if draw(st.booleans()):
            value = draw(expr(ty, depth, obj_ctx))
            if draw(st.booleans()):  # a rule that changes only the objects its guard picks
                guard = draw(_compound("bool", "key", depth - 1, obj_ctx))
                value = f"if {guard} then {value} else o.{name}"
            obj_updates.append(f"    o.{name} := {value}")
    body = "\n".join(updates) + "\n  for o in objects {\n" + "\n".join(obj_updates) + "\n  }"
    lines.append("transition {\n" + body + "\n}")
    out_ctx = Ctx((), True, tuple(helpers))
    lines.append(f"reward := {draw(expr('int', depth, out_ctx))}")
    lines.append(f"done := {draw(expr('bool', depth, out_ctx))}")
    return "\n".join(lines) + "\n"


@st.composite
def states(draw: st.DrawFn, max_objects: int = 5) -> State:
    agent = (
        draw(st.integers(0, 7)), draw(st.integers(0, 7)), draw(st.integers(0, 3)),
        draw(st.sampled_from(ENUMS["Kind"])),
    )  # fmt: skip
    obj = st.tuples(
        st.sampled_from(ENUMS["Kind"]), st.sampled_from(ENUMS["Color"]),
        st.integers(-1, 7), st.integers(-1, 7), st.booleans(),
    )  # fmt: skip
    objects = draw(st.lists(obj, max_size=max_objects))
    return State(agent, tuple(objects))


def missions() -> st.SearchStrategy[Mission]:
    return st.lists(st.sampled_from(WORDS), max_size=7).map(lambda ws: Mission.of(" ".join(ws)))


def actions() -> st.SearchStrategy[str]:
    return st.sampled_from(ENUMS["Action"])


def expansion_agrees(
    program: C.Program, model: CompiledModel, state: State, mission: Mission, depth: int = 2
) -> None:
    """Asserts that every action from `state`, and every action from each of those successors
    (to `depth` steps), steps in `model.expansion` (flat states with generated code) as the
    interpreter says; the successors' keys are those the expansion made, so the flat form's own
    next states are stepped again."""
    space = model.expansion(mission)
    actions = program.schema.actions
    level = [space.key(state)]
    for _ in range(depth):
        after = []
        for key in level:
            pre = space.state(key)
            got = space.successors(key)
            expected = [run_step(program, pre, a, mission) for a in actions]
            assert [Outcome(space.state(k), r, d) for k, r, d in got] == expected
            after += [k for k, _, done in got if not done]
        level = after
