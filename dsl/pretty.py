"""Canonical printer: syntax tree -> DSL text, with `parse_module(pretty(m)) == m`.

Parentheses are printed exactly where precedence needs them, and around an expression ending in a
bare `??` that a `{` or `:` follows (which would otherwise read as `??{...}` or `??: type`). Long `if` chains, `let`s and
`match`es are broken over indented lines; everything else stays on one line.
"""

from __future__ import annotations

from typing import assert_never

from dsl import syntax as S

WIDTH = 96

_LOOSE, _OR, _AND, _NOT, _CMP, _ADD, _MUL, _NEG, _ATOM = range(9)
_LEVEL: dict[str, int] = {
    "or": _OR, "and": _AND,
    "==": _CMP, "!=": _CMP, "<": _CMP, "<=": _CMP, ">": _CMP, ">=": _CMP,
    "+": _ADD, "-": _ADD, "*": _MUL, "//": _MUL, "%": _MUL,
}  # fmt: skip


def pretty(module: S.Module) -> str:
    """The canonical text of a whole file."""
    blocks = [pretty_item(item) for item in module.items]
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def pretty_type(t: S.TypeName) -> str:
    if t.lo is None or t.hi is None:
        return t.name
    return f"{t.name}[{t.lo}..{t.hi}]"


def pretty_item(item: S.Item) -> str:
    match item:
        case S.Import(path):
            return f'import "{path}"'
        case S.LibraryImport(name):
            return f"import {name}"
        case S.EnumDecl(name, members):
            return f"enum {name} {{ {', '.join(members)} }}"
        case S.ActionsDecl(members):
            return f"actions {{ {', '.join(members)} }}"
        case S.RecordDecl(name, fields):
            body = "".join(f"  {f.name}: {pretty_type(f.type)}\n" for f in fields)
            return f"record {name} {{\n{body}}}"
        case S.FnDecl(name, params, ret, body):
            ps = ", ".join(f"{p.name}: {pretty_type(p.type)}" for p in params)
            head = f"def {name}({ps}) -> {pretty_type(ret)} ="
            return _hang(head, body, "")
        case S.TransitionDecl(items):
            return "transition {\n" + "".join(_transition_item(i) for i in items) + "}"
        case S.OutcomeDecl(name, value):
            return _hang(f"{name} :=", value, "")
        case _:
            assert_never(item)


def _transition_item(item: S.Update | S.ForBlock) -> str:
    match item:
        case S.Update():
            return _update(item, "  ")
        case S.ForBlock(var, coll, updates):
            inner = "".join(_update(u, "    ") for u in updates)
            return f"  for {var} in {coll} {{\n{inner}  }}\n"
        case _:
            assert_never(item)


def _update(u: S.Update, indent: str) -> str:
    return _hang(f"{indent}{u.target}.{u.field} :=", u.value, indent) + "\n"


def _hang(head: str, body: S.Expr, indent: str) -> str:
    flat = expr_text(body)
    if len(head) + 1 + len(flat) <= WIDTH and "\n" not in flat:
        return f"{head} {flat}"
    inner = indent + "  "
    return f"{head}\n{inner}{_block(body, _LOOSE, inner)}"


def expr_text(e: S.Expr) -> str:
    """One expression on one line (the layout-free canonical form)."""
    return _flat(e, _LOOSE)


def _paren(text: str, own: int, need: int) -> str:
    return f"({text})" if own < need else text


def _level(e: S.Expr) -> int:
    match e:
        case S.If() | S.Let():
            return _LOOSE
        case S.Binary(op):
            return _LEVEL[op]
        case S.Not():
            return _NOT
        case S.Neg():
            return _NEG
        case _:
            return _ATOM


def _flat(e: S.Expr, need: int) -> str:
    return _paren(_flat_bare(e), _level(e), need)


def _flat_bare(e: S.Expr) -> str:
    match e:
        case S.IntLit(value):
            return str(value)
        case S.BoolLit(value):
            return "true" if value else "false"
        case S.WordLit(text):
            return f'"{text}"'
        case S.Name(ident):
            return ident
        case S.Attr(base, name):
            return f"{_flat(base, _ATOM)}.{name}"
        case S.Call(fn, args):
            return f"{fn}({', '.join(_flat(a, _LOOSE) for a in args)})"
        case S.Not(arg):
            return f"not {_flat(arg, _NOT)}"
        case S.Neg(arg):
            inner = _flat(arg, _NEG)
            return f"- {inner}" if inner.startswith("-") else f"-{inner}"
        case S.Binary(op, left, right):
            lvl = _LEVEL[op]
            left_need, right_need = (lvl + 1, lvl + 1) if lvl == _CMP else (lvl, lvl + 1)
            return f"{_flat(left, left_need)} {op} {_flat(right, right_need)}"
        case S.If(cond, then, orelse):
            return (
                f"if {_flat(cond, _LOOSE)} then {_flat(then, _LOOSE)} else {_flat(orelse, _LOOSE)}"
            )
        case S.Let(name, value, body):
            return f"let {name} = {_flat(value, _LOOSE)} in {_flat(body, _LOOSE)}"
        case S.Quant(kind, var, coll, body):
            return f"{kind}({var} in {_closed(coll)}: {_flat(body, _LOOSE)})"
        case S.The(var, coll, cond, value, default):
            return (
                f"the({var} in {_flat(coll, _LOOSE)} where {_closed(cond)}: "
                f"{_flat(value, _LOOSE)} else {_flat(default, _LOOSE)})"
            )
        case S.Match(subject, cases):
            arms = ", ".join(f"{_pattern(c)} => {_flat(c.body, _LOOSE)}" for c in cases)
            return f"match {_closed(subject)} {{ {arms} }}"
        case S.Hole(type_, choices):
            if choices is not None:
                return "??{" + ", ".join(_flat(c, _LOOSE) for c in choices) + "}"
            return "??" if type_ is None else f"??: {pretty_type(type_)}"
        case _:
            assert_never(e)


def _closed(e: S.Expr) -> str:
    """`e` where `{` or `:` follows it: a trailing bare `??` would read them as `??{...}` or
    `??: type`, so such an expression is parenthesised."""
    text = _flat(e, _LOOSE)
    return f"({text})" if text.endswith("??") else text


def _pattern(c: S.Case) -> str:
    return "_" if c.member is None else c.member


def _block(e: S.Expr, need: int, indent: str) -> str:
    """Multi-line layout for long if/let/match; falls back to one line for everything else."""
    flat = _flat(e, need)
    if len(indent) + len(flat) <= WIDTH or _level(e) < need:
        return flat
    nl = "\n" + indent
    match e:
        case S.If(cond, then, orelse):
            return (
                f"if {_flat(cond, _LOOSE)}{nl}then {_block(then, _LOOSE, indent + '  ')}"
                f"{nl}else {_block(orelse, _LOOSE, indent)}"
            )
        case S.Let(name, value, body):
            return f"let {name} = {_flat(value, _LOOSE)} in{nl}{_block(body, _LOOSE, indent)}"
        case S.Match(subject, cases):
            inner = nl + "  "
            arms = "".join(
                f"{inner}{_pattern(c)} => {_block(c.body, _LOOSE, indent + '    ')}," for c in cases
            )
            return f"match {_closed(subject)} {{{arms}{nl}}}"
        case _:
            return flat
