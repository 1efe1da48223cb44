"""Type checking: surface syntax (`dsl.syntax`) -> checked program (`dsl.core`), or located errors.

Checking is bidirectional: `Elaborator.check` pushes an expected type into an expression (which
is how holes `??` and bare enum members get their types), `Elaborator.infer` synthesises one.
Every error names FILE:LINE:COL, what was expected and what was found, and an unknown name
suggests the nearest known one. Errors are collected per declaration, so one run reports all of
a file's independent mistakes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, assert_never

from dsl import core as C
from dsl import syntax as S
from dsl.errors import Diagnostic, DslError
from dsl.parse import load_modules, parse_module
from dsl.pretty import expr_text

BUILTINS = ("min", "max", "abs", "word", "has_word", "lookup", "find")
SCALAR_TYPES: Mapping[str, C.Type] = MappingProxyType(
    {"bool": C.BOOL, "int": C.INT, "word": C.WORD, "obj": C.OBJ, "state": C.STATE}
)
GLOBALS = ("agent", "objects", "state", "next", "action")


def check_file(path: str | Path) -> C.Program:
    """Parse a file and its imports, then check them as one program."""
    return check_modules(load_modules(path))


def check_text(text: str, path: str = "<string>") -> C.Program:
    """Check one self-contained text (imports are not followed: use `check_file` for those)."""
    return check_modules([parse_module(text, path)])


def check_modules(modules: Sequence[S.Module]) -> C.Program:
    return Checker([item for m in modules for item in m.items]).run()


def suggest(name: str, candidates: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def type_text(t: C.Type) -> str:
    return f"`{t}`"


# ----------------------------------------------------------------------------- scopes


@dataclass(frozen=True)
class Scope:
    """What a name can mean at one point: locals, and whether `next` is allowed."""

    locals: tuple[tuple[str, C.Type], ...] = ()
    allow_next: bool = True

    def bind(self, name: str, t: C.Type) -> Scope:
        return Scope(((name, t), *self.locals), self.allow_next)

    def lookup(self, name: str) -> C.Type | None:
        return next((t for n, t in self.locals if n == name), None)


@dataclass
class Signature:
    params: tuple[tuple[str, C.Type], ...]
    ret: C.Type
    pos: S.Pos


@dataclass
class State:
    """Mutable bookkeeping of one checking run (not module level: one per `Checker`)."""

    holes: list[C.HoleE] = field(default_factory=list)
    calls: dict[str, set[str]] = field(default_factory=dict)
    direct_next: set[str] = field(default_factory=set)
    current_fn: str | None = None


class Fail(Exception):
    """Stops checking one declaration; carries its diagnostic."""

    def __init__(self, pos: S.Pos, message: str) -> None:
        super().__init__(message)
        self.diagnostic = Diagnostic(pos, message)


# ----------------------------------------------------------------------------- the checker


class Checker:
    """Checks a flat list of declarations (all files of a program) in dependency order."""

    def __init__(self, items: Sequence[S.Item]) -> None:
        self.items = items
        self.errors: list[Diagnostic] = []
        self.seen: dict[str, tuple[S.Pos, str]] = {}  # enum and function names: where, what
        self.enums: dict[str, C.EnumT] = {}
        self.action: C.EnumT | None = None
        self.records: dict[str, tuple[C.Field, ...]] = {}
        self.signatures: dict[str, Signature] = {}
        self.state = State()

    def run(self) -> C.Program:
        self._declare_types()
        self._declare_signatures()
        functions = self._check_functions()
        schema = C.Schema(
            tuple(self.enums.values()),
            self.action,
            self.records.get("agent", ()),
            self.records.get("object", ()),
        )
        uses_next = self._uses_next()
        fns = tuple(
            C.FnDef(f.name, f.params, f.ret, f.body, f.name in uses_next) for f in functions
        )
        elab = Elaborator(self, uses_next)
        agent_u, obj_var, obj_u, has_transition = self._check_transition(elab)
        reward, done = self._check_outcomes(elab)
        if self.errors:
            raise DslError(self.errors)
        return C.Program(
            schema, fns, agent_u, obj_var, obj_u, reward, done,
            tuple(self.state.holes), has_transition,
        )  # fmt: skip

    def attempt(self, check: Callable[..., object], *args: Any) -> None:
        """Run one declaration's check, turning a `Fail` into a collected diagnostic.

        The parser bounds nesting so that checking fits in Python's default recursion limit;
        should a caller's own stack be deep enough to exhaust it anyway, the declaration gets a
        located error rather than a traceback.
        """
        try:
            check(*args)
        except Fail as fail:
            self.errors.append(fail.diagnostic)
        except RecursionError:
            pos = next((a for a in args if isinstance(a, S.Pos)), None)
            pos = pos or next(a.pos for a in args if isinstance(getattr(a, "pos", None), S.Pos))
            self.errors.append(
                Diagnostic(pos, "too deeply nested to check (Python's recursion limit was reached)")
            )

    def claim(self, name: str, pos: S.Pos, what: str) -> None:
        if name in self.seen:
            first, kind = self.seen[name]
            if kind == what:
                raise Fail(pos, f"{what} {name!r} is already defined at {first}")
            raise Fail(pos, f"{name!r} is already defined at {first} (as {_ARTICLED[kind]})")
        self.seen[name] = (pos, what)

    # -- types, enums, records

    def _declare_types(self) -> None:
        for item in self.items:
            match item:
                case S.EnumDecl(name, members, pos):
                    self.attempt(self._enum, name, members, pos)
                case S.ActionsDecl(members, pos):
                    self.attempt(self._actions, members, pos)
                case _:
                    pass
        for item in self.items:
            if isinstance(item, S.RecordDecl):
                self.attempt(self._record, item)

    def _members(self, members: tuple[str, ...], pos: S.Pos) -> None:
        listed: set[str] = set()
        for m in members:
            if m in listed:
                raise Fail(pos, f"enum member {m!r} is listed twice")
            listed.add(m)

    def _enum(self, name: str, members: tuple[str, ...], pos: S.Pos) -> None:
        if name in SCALAR_TYPES or name in GLOBALS:
            raise Fail(pos, f"{name!r} is a built-in name and cannot name an enum")
        self.claim(name, pos, "enum")
        self._members(members, pos)
        self.enums[name] = C.EnumT(name, members)

    def _actions(self, members: tuple[str, ...], pos: S.Pos) -> None:
        self.claim("Action", pos, "the action enum")
        self._members(members, pos)
        self.action = C.EnumT("Action", members)
        self.enums["Action"] = self.action

    def _record(self, rec: S.RecordDecl) -> None:
        if rec.name not in ("agent", "object"):
            raise Fail(
                rec.pos, f"expected `record agent` or `record object`, found `record {rec.name}`"
            )
        if rec.name in self.records:
            raise Fail(rec.pos, f"`record {rec.name}` is declared twice")
        fields: list[C.Field] = []
        for fd in rec.fields:
            self.attempt(self._field, fd, fields)
        self.records[rec.name] = tuple(fields)

    def _field(self, fd: S.FieldDecl, fields: list[C.Field]) -> None:
        if any(f.name == fd.name for f in fields):
            raise Fail(fd.pos, f"field {fd.name!r} is declared twice")
        t = self.resolve_type(fd.type)
        if isinstance(t, C.IntT):
            if fd.type.lo is None or fd.type.hi is None:
                raise Fail(fd.type.pos, f"int field {fd.name!r} needs bounds, like `int[0..31]`")
            fields.append(C.Field(fd.name, t, fd.type.lo, fd.type.hi))
        elif isinstance(t, C.BoolT | C.EnumT):
            fields.append(C.Field(fd.name, t))
        else:
            raise Fail(
                fd.type.pos,
                f"a record field must be bool, int[lo..hi] or an enum, found {type_text(t)}",
            )

    def resolve_type(self, t: S.TypeName) -> C.Type:
        found: C.Type | None = SCALAR_TYPES.get(t.name)
        if found is None:
            found = self.enums.get(t.name)
        if found is None:
            known = [*SCALAR_TYPES, *self.enums]
            raise Fail(t.pos, f"unknown type {t.name!r}{suggest(t.name, known)}")
        if t.lo is not None and t.hi is not None:
            if not isinstance(found, C.IntT):
                raise Fail(t.pos, f"only int takes a range, found `{t.name}[{t.lo}..{t.hi}]`")
            if t.lo > t.hi:
                raise Fail(t.pos, f"empty range: {t.lo} is greater than {t.hi}")
        return found

    # -- functions

    def _declare_signatures(self) -> None:
        for item in self.items:
            if isinstance(item, S.FnDecl):
                self.attempt(self._signature, item)

    def _signature(self, fn: S.FnDecl) -> None:
        if fn.name in BUILTINS:
            raise Fail(fn.pos, f"{fn.name!r} is a built-in function and cannot be redefined")
        self.claim(fn.name, fn.pos, "function")
        params: list[tuple[str, C.Type]] = []
        for p in fn.params:
            if any(n == p.name for n, _ in params):
                raise Fail(p.pos, f"parameter {p.name!r} is listed twice")
            params.append((p.name, self.resolve_type(p.type)))
        self.signatures[fn.name] = Signature(tuple(params), self.resolve_type(fn.ret), fn.pos)

    def _check_functions(self) -> list[C.FnDef]:
        out: list[C.FnDef] = []
        elab = Elaborator(self, set())
        for item in self.items:
            if isinstance(item, S.FnDecl) and item.name in self.signatures:
                self.attempt(self._function, elab, item, out)
        self._reject_recursion()
        return out

    def _function(self, elab: Elaborator, fn: S.FnDecl, out: list[C.FnDef]) -> None:
        sig = self.signatures[fn.name]
        scope = Scope()
        for name, t in sig.params:
            scope = scope.bind(name, t)
        self.state.current_fn = fn.name
        self.state.calls.setdefault(fn.name, set())
        try:
            body = elab.check(fn.body, sig.ret, scope)
        finally:
            self.state.current_fn = None
        out.append(C.FnDef(fn.name, sig.params, sig.ret, body, False))

    def _reject_recursion(self) -> None:
        cycle = _find_cycle(self.state.calls)
        if cycle:
            pos = self.signatures[cycle[0]].pos
            self.errors.append(
                Diagnostic(pos, "recursion is not allowed: " + " calls ".join(cycle))
            )

    def _uses_next(self) -> set[str]:
        """The helpers that read `next`, directly or through a helper they call (one pass over
        the reversed call graph: linear in its size)."""
        callers: dict[str, list[str]] = {}
        for fn, callees in self.state.calls.items():
            for callee in callees:
                callers.setdefault(callee, []).append(fn)
        using = set(self.state.direct_next)
        todo = list(using)
        while todo:
            for caller in callers.get(todo.pop(), ()):
                if caller not in using:
                    using.add(caller)
                    todo.append(caller)
        return using

    # -- transition and outcomes

    def _check_transition(
        self, elab: Elaborator
    ) -> tuple[tuple[tuple[int, C.Expr], ...], str, tuple[tuple[int, C.Expr], ...], bool]:
        agent_u: dict[int, C.Expr] = {}
        obj_u: dict[int, C.Expr] = {}
        var = "o"
        decls = [i for i in self.items if isinstance(i, S.TransitionDecl)]
        for extra in decls[1:]:
            self.errors.append(
                Diagnostic(
                    extra.pos, f"only one `transition` is allowed; the first is at {decls[0].pos}"
                )
            )
        if not decls:
            return (), var, (), False
        scope = Scope(allow_next=False)
        fors = [i for i in decls[0].items if isinstance(i, S.ForBlock)]
        for extra_for in fors[1:]:
            self.errors.append(
                Diagnostic(
                    extra_for.pos,
                    "only one for-rule is allowed in a transition (put all object updates in it); "
                    f"the first is at {fors[0].pos}",
                )
            )
        for item in decls[0].items:
            if isinstance(item, S.Update):
                self.attempt(self._update, elab, item, "agent", agent_u, scope)
            elif item is fors[0]:
                var = item.var
                self.attempt(self._for, item)
                inner = scope.bind(item.var, C.OBJ)
                for u in item.updates:
                    self.attempt(self._update, elab, u, item.var, obj_u, inner)
        return tuple(sorted(agent_u.items())), var, tuple(sorted(obj_u.items())), True

    def _for(self, block: S.ForBlock) -> None:
        if block.coll != "objects":
            raise Fail(block.pos, f"a for-rule runs over `objects`, found `{block.coll}`")
        if "object" not in self.records:
            raise Fail(
                block.pos, "no `record object { ... }` is declared (a for-rule updates objects)"
            )

    def _update(
        self, elab: Elaborator, u: S.Update, target: str, out: dict[int, C.Expr], scope: Scope
    ) -> None:
        record = "agent" if target == "agent" else "object"
        if u.target != target:
            where = "inside the for-rule" if target != "agent" else "outside a for-rule"
            raise Fail(
                u.pos, f"expected `{target}.FIELD :=` {where}, found `{u.target}.{u.field} :=`"
            )
        fields = self.records.get(record)
        if fields is None:
            raise Fail(u.pos, f"no `record {record} {{ ... }}` is declared")
        index = next((i for i, f in enumerate(fields) if f.name == u.field), None)
        if index is None:
            names = [f.name for f in fields]
            raise Fail(u.pos, f"unknown {record} field {u.field!r}{suggest(u.field, names)}")
        if index in out:
            raise Fail(u.pos, f"field {u.target}.{u.field} is updated twice")
        out[index] = elab.check(u.value, fields[index].type, scope)

    def _check_outcomes(self, elab: Elaborator) -> tuple[C.Expr | None, C.Expr | None]:
        found: dict[str, C.Expr] = {}
        where: dict[str, S.Pos] = {}
        for item in self.items:
            if isinstance(item, S.OutcomeDecl):
                self.attempt(self._outcome, elab, item, found, where)
        return found.get("reward"), found.get("done")

    def _outcome(
        self, elab: Elaborator, o: S.OutcomeDecl, found: dict[str, C.Expr], where: dict[str, S.Pos]
    ) -> None:
        expected: dict[str, C.Type] = {"reward": C.INT, "done": C.BOOL}
        if o.name not in expected:
            raise Fail(
                o.pos,
                f"expected `reward :=` or `done :=`, found `{o.name} :=`{suggest(o.name, expected)}",
            )
        if o.name in where:
            raise Fail(o.pos, f"`{o.name}` is already defined at {where[o.name]}")
        where[o.name] = o.pos
        found[o.name] = elab.check(o.value, expected[o.name], Scope(allow_next=True))


_ARTICLED: Mapping[str, str] = MappingProxyType(
    {"enum": "an enum", "the action enum": "the action enum", "function": "a function"}
)  # enums are declared before functions, so a clash names the enum as the first


def _find_cycle(calls: dict[str, set[str]]) -> list[str]:
    """A call cycle `[f, g, ..., f]`, or `[]`: one depth-first search over the whole call graph
    (each helper and call visited once), starting from the helpers in declaration order."""
    done: set[str] = set()
    for start in calls:
        if start in done:
            continue
        path, on_path = [start], {start: 0}
        stack = [iter(sorted(calls.get(start, ())))]
        while stack:
            callee = next(stack[-1], None)
            if callee is None:
                stack.pop()
                done.add(path[-1])
                del on_path[path.pop()]
            elif callee in on_path:
                return [*path[on_path[callee] :], callee]
            elif callee not in done:
                on_path[callee] = len(path)
                path.append(callee)
                stack.append(iter(sorted(calls.get(callee, ()))))
    return []


# ----------------------------------------------------------------------------- expressions


class Elaborator:
    """Checks and elaborates expressions; one method per surface node kind."""

    def __init__(self, checker: Checker, uses_next: set[str]) -> None:
        self.c = checker
        self.uses_next = uses_next

    # -- entry points

    def check(self, e: S.Expr, expected: C.Type, scope: Scope) -> C.Expr:
        match e:
            case S.Hole():
                return self.hole(e, expected, scope)
            case S.Name(ident) if scope.lookup(ident) is None and ident not in GLOBALS:
                if isinstance(expected, C.EnumT) and ident in expected.members:
                    return C.Lit(ident, expected)
            case S.If(cond, then, orelse):
                c = self.check(cond, C.BOOL, scope)
                return C.Ite(
                    c,
                    self.check(then, expected, scope),
                    self.check(orelse, expected, scope),
                    expected,
                )
            case S.Let(name, value, body, pos):
                v = self.infer(value, scope)
                return C.LetIn(
                    name,
                    v,
                    self.check(body, expected, self.bind(scope, name, v.type, pos)),
                    expected,
                )
            case S.Match():
                return self.match(e, scope, expected)
            case S.The():
                return self.the(e, scope, expected)
            case S.Binary():  # straight to `binary`, not through `infer`: one frame less per level
                out = self.binary(e, scope)
                self.expect(out.type, expected, e)
                return out
            case _:
                pass
        out = self.infer(e, scope)
        self.expect(out.type, expected, e)
        return out

    def check_all(
        self, es: Sequence[S.Expr], types: Sequence[C.Type], scope: Scope
    ) -> tuple[C.Expr, ...]:
        """`check` each expression against its type."""
        out: list[C.Expr] = []
        for e, t in zip(es, types, strict=True):
            out.append(self.check(e, t, scope))
        return tuple(out)

    def expect(self, found: C.Type, expected: C.Type, e: S.Expr) -> None:
        if found != expected:
            raise Fail(e.pos, f"expected {type_text(expected)}, found {type_text(found)}")

    def bind(self, scope: Scope, name: str, t: C.Type, pos: S.Pos) -> Scope:
        if name in GLOBALS:
            raise Fail(pos, f"{name!r} is a built-in name and cannot be rebound")
        return scope.bind(name, t)

    def infer(self, e: S.Expr, scope: Scope) -> C.Expr:
        match e:
            case S.IntLit(value):
                return C.Lit(value, C.INT)
            case S.BoolLit(value):
                return C.Lit(value, C.BOOL)
            case S.WordLit(text):
                return C.Lit(text, C.WORD)
            case S.Name():
                return self.name(e, scope)
            case S.Attr():
                return self.attr(e, scope)
            case S.Call():
                return self.call(e, scope)
            case S.Not(arg):
                return C.Prim("not", (self.check(arg, C.BOOL, scope),), C.BOOL)
            case S.Neg(arg):
                return C.Prim("neg", (self.check(arg, C.INT, scope),), C.INT)
            case S.Binary():
                return self.binary(e, scope)
            case S.If(cond, then, orelse):
                c = self.check(cond, C.BOOL, scope)
                t, f = self.branches(then, scope, orelse, scope)
                return C.Ite(c, t, f, t.type)
            case S.Let(name, value, body, pos):
                v = self.infer(value, scope)
                b = self.infer(body, self.bind(scope, name, v.type, pos))
                return C.LetIn(name, v, b, b.type)
            case S.Quant():
                return self.quant(e, scope)
            case S.The():
                return self.the(e, scope, None)
            case S.Match():
                return self.match(e, scope, None)
            case S.Hole():
                return self.hole(e, None, scope)
            case _:
                assert_never(e)

    # -- names

    def name(self, e: S.Name, scope: Scope) -> C.Expr:
        ident = e.ident
        local = scope.lookup(ident)
        if local is not None:
            return C.Var(ident, local)
        if ident in GLOBALS:
            return self.global_name(ident, e.pos, scope)
        owners = [en for en in self.c.enums.values() if ident in en.members]
        if len(owners) == 1:
            return C.Lit(ident, owners[0])
        if len(owners) > 1:
            which = " or ".join(f"{o.name}.{ident}" for o in owners)
            raise Fail(e.pos, f"ambiguous enum member {ident!r}: write {which}")
        known = (
            [n for n, _ in scope.locals]
            + list(GLOBALS)
            + [m for en in self.c.enums.values() for m in en.members]
        )
        raise Fail(e.pos, f"unknown name {ident!r}{suggest(ident, known)}")

    def global_name(self, ident: str, pos: S.Pos, scope: Scope) -> C.Expr:
        if ident == "action":
            if self.c.action is None:
                raise Fail(pos, "`action` needs an `actions { ... }` declaration")
            return C.ActionRef(self.c.action)
        if ident == "next":
            if not scope.allow_next:
                raise Fail(
                    pos, "`next` (the state after the action) is only available in reward and done"
                )
            if self.c.state.current_fn is not None:
                self.c.state.direct_next.add(self.c.state.current_fn)
            return C.StateRef("post")
        pre = C.StateRef("pre")
        if ident == "agent":
            self.need_record("agent", pos)
            return C.AgentOf(pre)
        if ident == "objects":
            self.need_record("object", pos)
            return C.ObjectsOf(pre)
        return pre

    def need_record(self, name: str, pos: S.Pos) -> None:
        if name not in self.c.records:
            raise Fail(pos, f"no `record {name} {{ ... }}` is declared")

    def attr(self, e: S.Attr, scope: Scope) -> C.Expr:
        base = e.base
        if (
            isinstance(base, S.Name)
            and base.ident in self.c.enums
            and scope.lookup(base.ident) is None
        ):
            enum = self.c.enums[base.ident]
            if e.name not in enum.members:
                raise Fail(
                    e.pos, f"{enum.name} has no member {e.name!r}{suggest(e.name, enum.members)}"
                )
            return C.Lit(e.name, enum)
        rec = self.infer(base, scope)
        match rec.type:
            case C.StateT():
                return self.state_attr(rec, e)
            case C.AgentT():
                return self.field(rec, e, "agent")
            case C.ObjT():
                return self.field(rec, e, "object")
            case _:
                raise Fail(
                    e.pos,
                    f"expected a record, state or enum before `.{e.name}`, found {type_text(rec.type)}",
                )

    def state_attr(self, state: C.Expr, e: S.Attr) -> C.Expr:
        if e.name == "agent":
            self.need_record("agent", e.pos)
            return C.AgentOf(state)
        if e.name == "objects":
            self.need_record("object", e.pos)
            return C.ObjectsOf(state)
        raise Fail(
            e.pos,
            f"a state has `agent` and `objects`, found {e.name!r}{suggest(e.name, ['agent', 'objects'])}",
        )

    def field(self, rec: C.Expr, e: S.Attr, record: str) -> C.Expr:
        fields = self.c.records.get(record, ())
        for i, f in enumerate(fields):
            if f.name == e.name:
                return C.GetField(rec, e.name, i, f.type)
        names = [f.name for f in fields]
        raise Fail(e.pos, f"unknown {record} field {e.name!r}{suggest(e.name, names)}")

    # -- operators

    def binary(self, e: S.Binary, scope: Scope) -> C.Expr:
        op = e.op
        if op in ("and", "or"):
            args = (self.check(e.left, C.BOOL, scope), self.check(e.right, C.BOOL, scope))
            return C.Prim(op, args, C.BOOL)
        if op in ("==", "!="):
            left, right = self.branches(e.left, scope, e.right, scope)
            if not isinstance(left.type, C.BoolT | C.IntT | C.EnumT | C.WordT):
                raise Fail(
                    e.pos,
                    f"`{op}` compares bool, int, enum or word values, found {type_text(left.type)}",
                )
            return C.Prim(op, (left, right), C.BOOL)
        args = (self.check(e.left, C.INT, scope), self.check(e.right, C.INT, scope))
        if op in ("//", "%") and not (isinstance(e.right, S.IntLit) and e.right.value > 0):
            raise Fail(e.right.pos, f"the right side of `{op}` must be a positive integer literal")
        result: C.Type = C.BOOL if op in ("<", "<=", ">", ">=") else C.INT
        return C.Prim(op, args, result)

    # -- binders

    def coll(self, e: S.Expr, scope: Scope) -> C.Expr:
        c = self.infer(e, scope)
        if not isinstance(c.type, C.ObjsT):
            raise Fail(
                e.pos,
                f"expected a list of objects (like `objects` or `next.objects`), found {type_text(c.type)}",
            )
        return c

    def quant(self, e: S.Quant, scope: Scope) -> C.Expr:
        coll = self.coll(e.coll, scope)
        inner = self.bind(scope, e.var, C.OBJ, e.pos)
        body_t: C.Type = C.INT if e.kind == "sum" else C.BOOL
        body = self.check(e.body, body_t, inner)
        result: C.Type = C.BOOL if e.kind in ("any", "all") else C.INT
        return C.QuantE(e.kind, e.var, coll, body, result)

    def the(self, e: S.The, scope: Scope, expected: C.Type | None) -> C.Expr:
        coll = self.coll(e.coll, scope)
        inner = self.bind(scope, e.var, C.OBJ, e.pos)
        cond = self.check(e.cond, C.BOOL, inner)
        if expected is None:
            value, default = self.branches(e.value, inner, e.default, scope)
        else:
            value, default = (
                self.check(e.value, expected, inner),
                self.check(e.default, expected, scope),
            )
        return C.TheE(e.var, coll, cond, value, default, value.type)

    def branches(
        self, a: S.Expr, a_scope: Scope, b: S.Expr, b_scope: Scope
    ) -> tuple[C.Expr, C.Expr]:
        """Two expressions that must share a type (both branches of `if`, both sides of `==`,
        value and default of `the`), each in its own scope."""
        if _untyped(a):
            second = self.infer(b, b_scope)
            return self.check(a, second.type, a_scope), second
        first = self.infer(a, a_scope)
        return first, self.check(b, first.type, b_scope)

    def match(self, e: S.Match, scope: Scope, expected: C.Type | None) -> C.Expr:
        subject = self.infer(e.subject, scope)
        enum = subject.type
        if not isinstance(enum, C.EnumT):
            raise Fail(e.subject.pos, f"`match` needs an enum value, found {type_text(enum)}")
        arms: dict[str, C.Expr] = {}
        wildcard: C.Expr | None = None
        wildcard_pos = e.pos
        for case in e.cases:
            if wildcard is not None:
                raise Fail(case.pos, "this arm can never be reached: it comes after `_`")
            body = (
                self.check(case.body, expected, scope) if expected else self.infer(case.body, scope)
            )
            expected = expected or body.type
            if case.member is None:
                wildcard, wildcard_pos = body, case.pos
                continue
            if case.member not in enum.members:
                raise Fail(
                    case.pos,
                    f"{enum.name} has no member {case.member!r}{suggest(case.member, enum.members)}",
                )
            if case.member in arms:
                raise Fail(case.pos, f"member {case.member!r} is matched twice")
            arms[case.member] = body
        missing = [m for m in enum.members if m not in arms]
        if missing and wildcard is None:
            raise Fail(
                e.pos,
                f"`match` on {enum.name} is not exhaustive: missing {', '.join(missing)} (or add `_ => ...`)",
            )
        if not missing and wildcard is not None:
            raise Fail(
                wildcard_pos,
                f"the `_` arm can never be reached: every member of {enum.name} is matched",
            )
        assert expected is not None
        full = tuple(arms.get(m, wildcard) for m in enum.members)
        return C.MatchE(subject, tuple(a for a in full if a is not None), expected)

    # -- calls

    def call(self, e: S.Call, scope: Scope) -> C.Expr:
        if e.fn in BUILTINS:
            return self.builtin(e, scope)
        sig = self.c.signatures.get(e.fn)
        if sig is None:
            names = [*self.c.signatures, *BUILTINS]
            raise Fail(e.pos, f"unknown function {e.fn!r}{suggest(e.fn, names)}")
        self.arity(e, len(sig.params))
        args = self.check_all(e.args, [t for _, t in sig.params], scope)
        current = self.c.state.current_fn
        if current is not None:
            self.c.state.calls.setdefault(current, set()).add(e.fn)
        if e.fn in self.uses_next and not scope.allow_next:
            raise Fail(e.pos, f"{e.fn!r} reads `next`, which is only available in reward and done")
        return C.CallE(e.fn, args, sig.ret)

    def arity(self, e: S.Call, n: int) -> None:
        if len(e.args) != n:
            plural = "s" if n != 1 else ""
            raise Fail(e.pos, f"{e.fn}() expects {n} argument{plural}, found {len(e.args)}")

    def builtin(self, e: S.Call, scope: Scope) -> C.Expr:
        fn = e.fn
        if fn in ("min", "max", "abs"):
            self.arity(e, 1 if fn == "abs" else 2)
            args = self.check_all(e.args, [C.INT] * len(e.args), scope)
            return C.Prim(fn, args, C.INT)  # type: ignore[arg-type]
        if fn == "word":
            self.arity(e, 1)
            return C.MissionWord(self.check(e.args[0], C.INT, scope))
        if fn == "has_word":
            self.arity(e, 1)
            return C.HasWord(self.check(e.args[0], C.WORD, scope))
        self.arity(e, 3)
        enum = self.enum_arg(e.args[0])
        default = self.check(e.args[2], enum, scope)
        if fn == "lookup":
            return C.Lookup(self.check(e.args[1], C.WORD, scope), default, enum)
        return C.Find(self.check(e.args[1], C.INT, scope), default, enum)

    def enum_arg(self, e: S.Expr) -> C.EnumT:
        if isinstance(e, S.Name) and e.ident in self.c.enums:
            return self.c.enums[e.ident]
        raise Fail(
            e.pos, "expected an enum name as the first argument, like `lookup(Color, word(1), red)`"
        )

    # -- holes

    def hole(self, e: S.Hole, expected: C.Type | None, scope: Scope) -> C.Expr:
        lo = hi = None
        choices: tuple[C.Expr, ...] | None = None
        t = expected
        if e.type is not None:
            declared = self.c.resolve_type(e.type)
            if expected is not None and declared != expected:
                raise Fail(
                    e.pos,
                    f"expected {type_text(expected)}, found a hole of type {type_text(declared)}",
                )
            t, lo, hi = declared, e.type.lo, e.type.hi
        if e.choices is not None:
            if t is None:
                t = self.infer(e.choices[0], scope).type
            choices = self.check_all(e.choices, [t] * len(e.choices), scope)
        if t is None:
            raise Fail(
                e.pos, "cannot infer the type of this hole; write it as `??: int` (or another type)"
            )
        if not isinstance(t, C.BoolT | C.IntT | C.EnumT | C.WordT) and choices is None:
            raise Fail(
                e.pos, f"a hole of type {type_text(t)} needs a list of choices: `??{{a, b}}`"
            )
        texts = tuple(expr_text(ch) for ch in e.choices) if e.choices is not None else ()
        hole = C.HoleE(len(self.c.state.holes), t, choices, lo, hi, e.pos, texts)
        self.c.state.holes.append(hole)
        return hole


def _untyped(e: S.Expr) -> bool:
    return isinstance(e, S.Hole) and e.type is None and e.choices is None
