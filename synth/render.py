"""Checked expressions back to DSL text, for the fragment proposers build.

Proposers construct `dsl.core` expressions (already resolved and typed); this prints them as
surface syntax that re-checks to the same meaning. Enum members are printed qualified
(`Kind.wall`) so they never depend on which enums happen to be in scope.
"""

from __future__ import annotations

from dsl import core as C

_INFIX = {
    "and": 2, "or": 1, "==": 4, "!=": 4, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "//": 6, "%": 6,
}  # fmt: skip


def render(e: C.Expr, need: int = 0) -> str:
    text, level = _render(e)
    return f"({text})" if level < need else text


def _render(e: C.Expr) -> tuple[str, int]:
    match e:
        case C.Lit(value, t):
            return _lit(value, t), 9
        case C.Var(name):
            return name, 9
        case C.StateRef(which):
            return ("state" if which == "pre" else "next"), 9
        case C.ActionRef():
            return "action", 9
        case C.AgentOf(C.StateRef("pre")):
            return "agent", 9
        case C.AgentOf(s):
            return f"{render(s, 9)}.agent", 9
        case C.ObjectsOf(C.StateRef("pre")):
            return "objects", 9
        case C.ObjectsOf(s):
            return f"{render(s, 9)}.objects", 9
        case C.GetField(rec, name):
            return f"{render(rec, 9)}.{name}", 9
        case C.CallE(fn, args):
            return f"{fn}({', '.join(render(a) for a in args)})", 9
        case C.Prim("not", (x,)):
            return f"not {render(x, 3)}", 3
        case C.Prim("neg", (x,)):
            return f"-{render(x, 7)}", 7
        case C.Prim(op, (a, b)) if op in _INFIX:
            lvl = _INFIX[op]
            left = lvl + 1 if lvl == 4 else lvl
            return f"{render(a, left)} {op} {render(b, lvl + 1)}", lvl
        case C.Prim(op, args):
            return f"{op}({', '.join(render(a) for a in args)})", 9
        case C.Ite(c, t, f):
            return f"if {render(c)} then {render(t)} else {render(f)}", 0
        case _:
            raise ValueError(f"cannot render {type(e).__name__}")


def _lit(value: C.Scalar, t: C.Type) -> str:
    if isinstance(t, C.BoolT):
        return "true" if value else "false"
    if isinstance(t, C.EnumT):
        return f"{t.name}.{value}"
    if isinstance(t, C.WordT):
        return f'"{value}"'
    return str(value) if isinstance(value, int) and value >= 0 else f"(-{-int(value)})"
