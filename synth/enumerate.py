"""Bottom-up enumeration of typed expressions with observational equivalence, and decision-list
unification of guards (the EUSolver idea, specialised to "keep the value unless ...").

An `Examples` table holds the inputs of one learning problem (a state, an action, a mission, and
for per-object problems the object; for reward/done problems the next state too). `Bank`
enumerates expressions bottom-up by size over a grammar of leaves (fields, the action, constants,
parameterless prior helpers) and operators (==, !=, <, +, -, not, and prior helpers with
parameters), keeping one expression per distinct vector of values on the examples. `solve_field`
then builds `if p1 then t1 else if p2 then t2 ... else default` where each guard is a conjunction
of enumerated predicates (bitsets over examples) and each term covers the examples its guard
selects.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from dsl import core as C
from dsl.compile import ExprCompiler
from dsl.values import Mission, Record, State

OBJ_VAR = "o"
ALIASES = 4


@dataclass(frozen=True)
class Example:
    pre: State
    action: str
    mission: Mission
    post: State | None = None
    obj: Record | None = None


@dataclass
class Cand:
    expr: C.Expr
    size: int
    values: tuple[Any, ...]
    _bits: int | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def bits(self) -> int:
        """`bits(self.values)`, computed once."""
        if self._bits is None:
            self._bits = bits(self.values)
        return self._bits


@dataclass
class Examples:
    """The inputs of one problem, and an evaluator for expressions on all of them.

    `memo` maps (helper, input, argument values) to the helper's result, an input being a
    (state, next state, action, mission); pass one dict to every `Examples` of a synthesis run
    so that a helper applied to the same argument values on the same input runs once per run.
    A helper that does not read `next` is keyed without the next state, so the banks with and
    without `next` share its results."""

    program: C.Program
    rows: list[Example]
    per_object: bool
    compiler: ExprCompiler
    memo: dict[Any, Any] = field(default_factory=dict)
    caches: list[dict[str, Any]] = field(default_factory=list)
    inputs: tuple[list[int], list[int]] = field(default_factory=lambda: ([], []))
    """Each row's input as a number (the same input, the same number, over one `memo`): without
    the next state, and with it."""

    def __post_init__(self) -> None:
        self.caches = [{} for _ in self.rows]
        ids: dict[Any, int] = self.memo.setdefault(_INPUTS, {})
        self.inputs = (
            [ids.setdefault((id(r.pre), None, r.action, r.mission.words), len(ids))
             for r in self.rows],
            [ids.setdefault((id(r.pre), id(r.post), r.action, r.mission.words), len(ids))
             for r in self.rows],
        )  # fmt: skip

    def values(self, e: C.Expr) -> tuple[Any, ...]:
        """`e` evaluated on every example (raises what evaluation raises)."""
        names = (OBJ_VAR,) if self.per_object else ()
        return self._run(self.compiler.compile(e, names))

    def call(self, fn: C.FnDef, args: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
        """`fn` applied row by row to argument value vectors (compositional evaluation: the
        arguments are never evaluated again; results are memoised per input)."""
        memo = self.memo
        n = len(self.rows)
        keys = list(zip(itertools.repeat(fn.name, n), self.inputs[fn.uses_next], *args,
                        strict=True))  # fmt: skip
        out = list(map(memo.get, keys, itertools.repeat(_MISSING, n)))
        if _MISSING in out:
            params = tuple(f"_a{i}" for i in range(len(fn.params)))
            call = C.CallE(fn.name, tuple(C.Var(p, t) for p, (_, t) in
                                          zip(params, fn.params, strict=True)), fn.ret)  # fmt: skip
            run = self.compiler.compile(call, params)
            for i, v in enumerate(out):
                if v is _MISSING:
                    key = keys[i]
                    v = memo.get(key, _MISSING)
                    if v is _MISSING:
                        r = self.rows[i]
                        v = memo[key] = run(r.pre, r.post, r.action, r.mission.words,
                                            self.caches[i], *key[2:])  # fmt: skip
                    out[i] = v
        return tuple(out)

    def _run(self, fn: Callable[..., Any]) -> tuple[Any, ...]:
        if self.per_object:
            return tuple(
                fn(r.pre, r.post, r.action, r.mission.words, c, r.obj)
                for r, c in zip(self.rows, self.caches, strict=True)
            )
        return tuple(
            fn(r.pre, r.post, r.action, r.mission.words, c)
            for r, c in zip(self.rows, self.caches, strict=True)
        )


_MISSING = object()
_INPUTS = "inputs"
"""The key of a memo's table of input numbers (helper keys are tuples, never this string)."""
_BIT_DIGITS = bytes.maketrans(bytes(range(256)), b"01" + b"x" * 254)


def bits(values: Iterable[Any]) -> int:
    """A bitset of the examples where a boolean vector is true."""
    vector = values if isinstance(values, tuple) else tuple(values)
    if not vector:
        return 0
    try:  # booleans (0 and 1) as digits at C speed; anything else takes the general way
        return int(bytes(vector)[::-1].translate(_BIT_DIGITS), 2)
    except (TypeError, ValueError):
        return int("".join(["1" if v else "0" for v in vector])[::-1], 2)


def agreements(cands: Sequence[Cand], target: tuple[Any, ...]) -> list[int]:
    """For each candidate, `bits(a == b for a, b in zip(c.values, target))`: the examples where
    it has the target's value. Values are coded as bytes by the target's distinct values (255:
    none of them), and compared eight examples to a machine word, by XOR of the codes as integers."""
    n = len(target)
    codes: dict[Any, int] = {}
    for v in target:
        codes.setdefault(v, len(codes))
    if len(codes) >= 255 or any(v != v for v in codes) or not n:  # NaN: `==` is not identity
        return [bits(a == b for a, b in zip(c.values, target, strict=True)) for c in cands]
    ones = int.from_bytes(b"\x01" * n, "little")
    want = int.from_bytes(bytes(map(codes.__getitem__, target)), "little")
    out: list[int] = []
    for c in cands:
        if len(c.values) != n:
            raise ValueError("a candidate's values and the target differ in length")
        x = int.from_bytes(bytes(map(codes.get, c.values, itertools.repeat(255, n))), "little")
        x ^= want
        x |= x >> 4
        x |= x >> 2
        x |= x >> 1
        same = (x & ones) ^ ones  # 1 in the low bit of each example's byte where it agrees
        out.append(int(same.to_bytes(n, "little")[::-1].translate(_BIT_DIGITS), 2))
    return out


# ----------------------------------------------------------------------------- the grammar


def leaves(
    program: C.Program, per_object: bool, with_post: bool, mission_words: set[str],
    constants: Iterable[int] = (),
) -> list[tuple[C.Expr, int]]:  # fmt: skip
    """(expression, size) of every leaf: fields, the action, constants, helpers without params."""
    schema = program.schema
    pre = C.StateRef("pre")
    # Constants first: where a field or helper has the same values on the data, the constant is
    # kept (a literal `false` reads better than a field that happens to be false everywhere).
    out: list[tuple[C.Expr, int]] = [(C.Lit(True, C.BOOL), 1), (C.Lit(False, C.BOOL), 1)]
    out += [(C.Lit(v, C.INT), 1) for v in dict.fromkeys((0, 1, -1, *constants))]
    for enum in schema.enums:
        if enum is not schema.action:  # mission-named members first (mission grounding)
            members = sorted(enum.members, key=lambda m: m not in mission_words)
            out += [(C.Lit(m, enum), 1) for m in members]
    if schema.action is not None:
        out += [(C.Lit(m, schema.action), 1) for m in schema.actions]
        out.append((C.ActionRef(schema.action), 1))
    for i, f in enumerate(schema.agent):
        out.append((C.GetField(C.AgentOf(pre), f.name, i, f.type), 1))
        if with_post:
            out.append((C.GetField(C.AgentOf(C.StateRef("post")), f.name, i, f.type), 1))
    if per_object:
        out.append((C.Var(OBJ_VAR, C.OBJ), 1))
        for i, f in enumerate(schema.object):
            out.append((C.GetField(C.Var(OBJ_VAR, C.OBJ), f.name, i, f.type), 1))
    for fn in program.functions:
        if fn.params or (fn.uses_next and not with_post):
            continue
        out.append((C.CallE(fn.name, (), fn.ret), 1))
    for fn in program.functions:  # helpers over a whole state: applied to the states we have
        if len(fn.params) == 1 and isinstance(fn.params[0][1], C.StateT):
            out.append((C.CallE(fn.name, (pre,), fn.ret), 1))
            if with_post:
                out.append((C.CallE(fn.name, (C.StateRef("post"),), fn.ret), 1))
    return out


def _key(t: C.Type) -> str:
    return str(t)


class Bank:
    """Expressions by type and size, one per distinct value vector (observational equivalence)."""

    def __init__(
        self, ex: Examples, mission_words: set[str], with_post: bool, max_size: int,
        constants: Iterable[int] = (), keep_unseen: bool = False,
    ) -> None:  # fmt: skip
        """`keep_unseen`: keep every leaf and every predicate false on all examples, not just
        the first (the data cannot tell them apart, but an optimistic reward guard must pick one:
        `standing_on(next) == Kind.goal` though the agent has never stood on anything)."""
        self.ex = ex
        self.keep_unseen = keep_unseen
        self.by_type: dict[str, list[Cand]] = {}
        self.seen: dict[str, set[tuple[Any, ...]]] = {}
        self.aliases: dict[tuple[Any, ...], list[C.Expr]] = {}
        """Predicates dropped for having the values of a kept one, by value vector (at most
        ALIASES each, smallest first): the data cannot tell them apart, optimism may."""
        self.tried = 0
        self.max_size = max_size
        self.helpers = [
            f for f in ex.program.functions
            if 0 < len(f.params) <= 2
            and not any(isinstance(t, C.StateT | C.ObjsT) for _, t in f.params)
            and (with_post or not f.uses_next)
        ]  # fmt: skip
        for e, size in leaves(ex.program, ex.per_object, with_post, mission_words, constants):
            self.add(e, size)
        for size in range(2, max_size + 1):
            self.grow(size)

    def add(
        self, e: C.Expr, size: int, values: Callable[[], tuple[Any, ...]] | None = None
    ) -> None:
        """Keep `e` unless an earlier expression has the same values; `values` computes them from
        the children's vectors (compositional), else `e` is evaluated from scratch."""
        self.tried += 1
        try:
            vals = values() if values is not None else self.ex.values(e)
        except Exception:  # a helper that fails on some input (e.g. a hole) is not a candidate
            return
        k = _key(e.type)
        seen = self.seen.setdefault(k, set())
        if vals in seen and not (
            self.keep_unseen and (size == 1 or (isinstance(e.type, C.BoolT) and not any(vals)))
        ):
            if isinstance(e.type, C.BoolT):
                self._alias(vals, e)
                if not (isinstance(e, C.Prim) and e.op == "not"):
                    self._alias(tuple(not v for v in vals), C.Prim("not", (e,), C.BOOL))
            return
        seen.add(vals)
        if isinstance(e, C.Prim) and any(
            isinstance(a, C.Lit) and isinstance(a.type, C.EnumT) for a in e.args
        ):
            size -= 1  # naming a case is one step (`action == Action.left`, `o.kind == Kind.door`)
        self.by_type.setdefault(k, []).append(Cand(e, size, vals))
        negated = isinstance(e, C.Prim) and e.op == "not"
        if isinstance(e.type, C.BoolT) and not isinstance(e, C.Lit) and not negated:
            # A negation costs nothing: `not blocked` is as simple as `empty`.
            self.add(C.Prim("not", (e,), C.BOOL), size, _not(vals))

    def _alias(self, vals: tuple[Any, ...], e: C.Expr) -> None:
        same = self.aliases.setdefault(vals, [])
        if len(same) < ALIASES:
            same.append(e)

    def aliases_of(self, c: Cand) -> list[C.Expr]:
        """Predicates with the values of `c` on every example, other than `c` itself."""
        return [e for e in self.aliases.get(c.values, []) if e != c.expr]

    def of(self, t: C.Type, size: int | None = None) -> list[Cand]:
        cands = self.by_type.get(_key(t), [])
        return cands if size is None else [c for c in cands if c.size == size]

    def grow(self, size: int) -> None:
        """All expressions of exactly `size` built from smaller ones."""
        new: list[tuple[C.Expr, Callable[[], tuple[Any, ...]]]] = []
        for k1 in range(1, size - 1):
            k2 = size - 1 - k1
            for t in list(self.by_type):
                left = [c for c in self.by_type[t] if c.size == k1]
                right = [c for c in self.by_type[t] if c.size == k2]
                for (i, a), (j, b) in itertools.product(enumerate(left), enumerate(right)):
                    if k1 == k2 and i >= j:  # each unordered pair once, in bank order
                        continue
                    new += _binary(a, b)
        new += self.calls(size)
        for e, values in new:
            self.add(e, size, values)

    def calls(self, size: int) -> list[tuple[C.Expr, Callable[[], tuple[Any, ...]]]]:
        out: list[tuple[C.Expr, Callable[[], tuple[Any, ...]]]] = []
        for fn in self.helpers:
            n = len(fn.params)
            for sizes in _compositions(size - 1, n):
                pools = [self.of(t, k) for (_, t), k in zip(fn.params, sizes, strict=True)]
                for args in itertools.product(*pools):
                    e = C.CallE(fn.name, tuple(a.expr for a in args), fn.ret)
                    out.append((e, _call(self.ex, fn, [a.values for a in args])))
        return out


def _compositions(total: int, parts: int) -> list[tuple[int, ...]]:
    if parts == 1:
        return [(total,)] if total >= 1 else []
    return [(k, *rest) for k in range(1, total) for rest in _compositions(total - k, parts - 1)]


Values = tuple[Any, ...]


def _not(v: Values) -> Callable[[], Values]:
    return lambda: tuple(not x for x in v)


def _call(ex: Examples, fn: C.FnDef, args: list[Values]) -> Callable[[], Values]:
    return lambda: ex.call(fn, args)


def _zip(op: Callable[[Any, Any], Any], a: Values, b: Values) -> Callable[[], Values]:
    return lambda: tuple(map(op, a, b))


def _binary(a: Cand, b: Cand) -> list[tuple[C.Expr, Callable[[], Values]]]:
    t = a.expr.type
    if isinstance(a.expr, C.Lit):  # `action == Action.left`, not `Action.left == action`
        a, b = b, a
    x, y, av, bv = a.expr, b.expr, a.values, b.values
    out: list[tuple[C.Expr, Callable[[], Values]]] = []
    both_literal = isinstance(x, C.Lit) and isinstance(y, C.Lit)
    # No `==` between booleans: an xnor of two conditions is rarely a concept and often a fluke.
    if isinstance(t, C.EnumT | C.IntT) and not both_literal:
        out.append((C.Prim("==", (x, y), C.BOOL), _zip(operator.eq, av, bv)))
    if isinstance(t, C.IntT):
        out.append((C.Prim("<", (x, y), C.BOOL), _zip(operator.lt, av, bv)))
        out.append((C.Prim("<", (y, x), C.BOOL), _zip(operator.lt, bv, av)))
        out.append((C.Prim("+", (x, y), C.INT), _zip(operator.add, av, bv)))
        out.append((C.Prim("-", (x, y), C.INT), _zip(operator.sub, av, bv)))
        out.append((C.Prim("-", (y, x), C.INT), _zip(operator.sub, bv, av)))
    return out


# ----------------------------------------------------------------------------- unification


@dataclass
class Rule:
    guard: list[Cand]
    term: Cand


@dataclass
class Solution:
    default: Cand
    rules: list[Rule]

    def guards(self) -> set[C.Expr]:
        return {g.expr for r in self.rules for g in r.guard}

    def expr(self) -> C.Expr:
        out = self.default.expr
        for rule in reversed(self.rules):
            if not rule.guard:  # an empty conjunction: the rule always applies
                out = rule.term.expr
                continue
            guard = rule.guard[0].expr
            for g in rule.guard[1:]:
                guard = C.Prim("and", (guard, g.expr), C.BOOL)
            out = C.Ite(guard, rule.term.expr, out, out.type)
        return out


def solve_field(
    target: Sequence[Any], terms: list[Cand], preds: list[Cand], *, max_rules: int = 8, max_conj: int = 3,
    prefer: Callable[[Cand], bool] | None = None, reuse: set[C.Expr] | None = None,
) -> Solution | None:  # fmt: skip
    """A decision list over `preds` choosing among `terms` that reproduces `target` exactly."""
    n = len(target)
    everything = (1 << n) - 1
    target_t = tuple(target)
    cover = [(t, c) for t, c in zip(terms, agreements(terms, target_t), strict=True)]
    cover = [(t, c) for t, c in cover if c]
    if not cover:
        return None
    pred_bits = [(p, p.bits) for p in preds]
    pred_bits = [(p, b) for p, b in pred_bits if b not in (0, everything)]

    def rank(item: tuple[Cand, int]) -> tuple[int, int, int, bool]:
        t, c = item
        return (
            -c.bit_count(),
            0 if prefer and prefer(t) else 1,
            t.size,
            not isinstance(t.expr, C.Lit),
        )

    # The default is "keep the value" (the frame assumption) when the caller names it.
    kept = [tc for tc in cover if prefer is not None and prefer(tc[0])]
    default, default_cov = kept[0] if kept else min(cover, key=rank)
    # Smallest terms with exact guards first; failing that, the rule fixing the most examples
    # each time, then the same with one more atom per guard and more rules (Taxi's rewards).
    attempts = ((_best_rule, max_conj, max_rules), (_greedy_rule, max_conj, max_rules),
                (_greedy_rule, max_conj + 1, max_rules + 4))  # fmt: skip
    for choose, conj, most in attempts:
        rules: list[Rule] = []
        alive = everything
        while alive & ~default_cov and len(rules) < most:
            bad = alive & ~default_cov
            best = choose(cover, pred_bits, alive, bad, conj, reuse or set())
            if best is None:
                break
            guard, term, gbits = best
            rules.append(Rule(guard, term))
            alive &= ~gbits
        if not alive & ~default_cov:
            return Solution(default, rules)
    return None


def _best_rule(
    cover: list[tuple[Cand, int]],
    preds: list[tuple[Cand, int]],
    alive: int,
    bad: int,
    max_conj: int,
    reuse: set[C.Expr],
) -> tuple[list[Cand], Cand, int] | None:
    """The next rule. Terms are taken by how many wrong examples they fix, smallest first among
    equals (the EUSolver order). Within the best group, an exact rule (a conjunction selecting
    every example the term fixes and none it breaks) wins, the simplest first; failing that, the
    group's smallest term under the greedy guard that selects the most of them."""
    ranked = sorted(
        ((t, cov, (cov & bad).bit_count()) for t, cov in cover if cov & bad),
        key=lambda tc: (-tc[2], tc[0].size, not isinstance(tc[0].expr, C.Lit)),
    )
    tiers = [[pb for pb in preds if pb[0].size <= SMALL], preds]
    tried = 0
    for gain in sorted({g for _, _, g in ranked}, reverse=True):
        group = [(t, cov) for t, cov, g in ranked if g == gain][: max(1, EXACT_TERMS - tried)]
        tried += len(group)
        for tier in tiers:
            found = _rule_in_group(group, tier, alive, bad, max_conj, reuse)
            if found is not None:
                return found
        if tried >= EXACT_TERMS:
            break
    return _greedy_rule(cover, preds, alive, bad, max_conj, reuse)


def _rule_in_group(
    group: list[tuple[Cand, int]], preds: list[tuple[Cand, int]], alive: int, bad: int,
    max_conj: int, reuse: set[C.Expr],
) -> tuple[list[Cand], Cand, int] | None:  # fmt: skip
    """Terms of one gain, smallest first: the first with an exact guard, or else a greedy one.
    Among terms of the same size the simplest exact guard wins."""
    for size in sorted({t.size for t, _ in group}):
        exact: tuple[int, list[Cand], Cand, int] | None = None
        same = [(t, cov) for t, cov in group if t.size == size]
        for term, cov in same:
            guard = _exact_guard(preds, alive & bad & cov, alive & ~cov, max_conj + 1, reuse)
            if guard is not None:
                cost = sum(0 if g.expr in reuse else g.size for g in guard)
                cost += 0 if isinstance(term.expr, C.Lit) else 1
                if exact is None or cost < exact[0]:
                    exact = (cost, guard, term, _conj_bits(preds, guard, alive))
        if exact is not None:
            return exact[1], exact[2], exact[3]
        for term, cov in same:
            found = _guard(preds, alive, bad, cov, max_conj, reuse)
            if found is not None:
                return found[0], term, found[1]
    return None


SMALL = 2
"""Guards are first built from atoms of at most this size (a helper, a field, a comparison with
a constant): on little data a conjunction of larger atoms fits by coincidence."""
EXACT_TERMS = 200
BRANCH = 6


def _conj_bits(preds: list[tuple[Cand, int]], guard: list[Cand], start: int) -> int:
    table = {id(p): b for p, b in preds}
    for g in guard:
        start &= table[id(g)]
    return start


def _exact_guard(
    preds: list[tuple[Cand, int]], pos: int, neg: int, max_conj: int, reuse: set[C.Expr]
) -> list[Cand] | None:
    """The best conjunction of at most `max_conj` atoms true on every `pos` example and false on
    every `neg` one: fewest atoms, then smallest, then most general (true on most examples, the
    optimistic choice among equals), then reusing guards of other fields. Branches on which atom
    excludes the first negative example still selected."""
    atoms = [(p, b) for p, b in preds if b & pos == pos and b & neg != neg]
    best: tuple[tuple[int, int, int, int], list[Cand]] | None = None

    def visit(chosen: list[tuple[Cand, int]], left: int, sel: int) -> None:
        nonlocal best
        if not left:  # an atom another field's rule already uses costs nothing
            key = (len(chosen), sum(0 if p.expr in reuse else p.size for p, _ in chosen),
                   -sel.bit_count(), 0)  # fmt: skip
            if best is None or key < best[0]:
                best = (key, [p for p, _ in chosen])
            return
        if len(chosen) == max_conj or (best is not None and len(chosen) + 1 > best[0][0]):
            return
        first = left & -left
        options = [(p, b) for p, b in atoms if not b & first]
        options.sort(key=lambda pb: (-(left & ~pb[1]).bit_count(), pb[0].size, -pb[1].bit_count()))
        for p, b in options[:BRANCH]:
            visit([*chosen, (p, b)], left & b, sel & b)

    visit([], neg, -1)
    return None if best is None else best[1]


def _greedy_rule(
    cover: list[tuple[Cand, int]],
    preds: list[tuple[Cand, int]],
    alive: int,
    bad: int,
    max_conj: int,
    reuse: set[C.Expr],
) -> tuple[list[Cand], Cand, int] | None:
    best: tuple[tuple[int, int, int], list[Cand], Cand, int] | None = None
    for term, cov in sorted(cover, key=lambda tc: (tc[0].size, not isinstance(tc[0].expr, C.Lit))):
        if not cov & bad:
            continue
        found = _guard(preds, alive, bad, cov, max_conj, reuse)
        if found is None:
            continue
        guard, gbits = found
        reused = sum(1 for g in guard if g.expr in reuse)
        score = ((gbits & bad).bit_count(), reused, -(term.size + sum(g.size for g in guard)))
        if best is None or score > best[0]:
            best = (score, guard, term, gbits)
    return None if best is None else (best[1], best[2], best[3])


def _guard(
    preds: list[tuple[Cand, int]], alive: int, bad: int, cov: int, max_conj: int, reuse: set[C.Expr]
) -> tuple[list[Cand], int] | None:
    """A conjunction selecting examples the term covers (none it gets wrong), as many bad ones as possible."""
    chosen: list[Cand] = []
    current = alive
    for _ in range(max_conj):
        wrong = (current & ~cov).bit_count()
        if not wrong:
            break
        best: tuple[tuple[int, int, bool, int, int, int], Cand, int] | None = None
        for rank, (p, b) in enumerate(preds):
            nxt = current & b
            gain = (nxt & bad & cov).bit_count()
            wrong_after = (nxt & ~cov).bit_count()
            if not gain or wrong_after >= wrong:
                continue
            key = (gain, -wrong_after, p.expr in reuse, b.bit_count(), -p.size, -rank)
            if best is None or key > best[0]:
                best = (key, p, nxt)
        if best is None:
            return None
        chosen.append(best[1])
        current = best[2]
    if current & ~cov or not chosen:
        return None
    return chosen, current
