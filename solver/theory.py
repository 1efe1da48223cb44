"""How DSL values become Z3 terms: the representation choices, one object per choice.

`Theory` maps DSL types to Z3 sorts and lifts concrete values: ints as mathematical `Int` or as
signed bit-vectors of a fixed width, enums as small ints or as Z3 enumeration datatypes, mission
words as indices into a vocabulary (ints of the same sort). All arithmetic the encoder needs goes
through it, so the two int encodings share one encoder. Measured in bench/solver_bench.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias

import z3

from dsl import core as C

IntMode = Literal["int", "bv"]
EnumMode = Literal["int", "datatype"]
Scalar = C.Scalar
Sym: TypeAlias = bool | int | str | z3.ExprRef
"""A partially symbolic scalar: a Python value when known, a Z3 term when not."""


@dataclass
class Theory:
    """Sorts, constants and arithmetic for one encoding choice (one per query)."""

    ints: IntMode = "int"
    enums: EnumMode = "datatype"
    width: int = 16
    ctx: z3.Context = field(default_factory=z3.Context)
    words: dict[str, int] = field(default_factory=dict)
    _sorts: dict[tuple[str, tuple[str, ...]], tuple[z3.SortRef, list[z3.ExprRef]]] = field(
        default_factory=dict
    )

    # -- sorts and constants

    def int_sort(self) -> z3.SortRef:
        return z3.IntSort(self.ctx) if self.ints == "int" else z3.BitVecSort(self.width, self.ctx)

    def sort(self, t: C.Type) -> z3.SortRef:
        match t:
            case C.BoolT():
                return z3.BoolSort(self.ctx)
            case C.IntT() | C.WordT():
                return self.int_sort()
            case C.EnumT():
                return self._enum(t)[0] if self.enums == "datatype" else self.int_sort()
            case _:
                raise TypeError(f"no sort for {t}")

    def _enum(self, t: C.EnumT) -> tuple[z3.SortRef, list[z3.ExprRef]]:
        key = (t.name, t.members)
        if key not in self._sorts:
            name = f"{t.name}_{len(self._sorts)}"
            sort, consts = z3.EnumSort(name, list(t.members), ctx=self.ctx)
            self._sorts[key] = (sort, list(consts))
        return self._sorts[key]

    def int_val(self, v: int) -> z3.ExprRef:
        if self.ints == "int":
            return z3.IntVal(v, self.ctx)
        return z3.BitVecVal(v, self.width, self.ctx)

    def word_index(self, w: str) -> int:
        if w not in self.words:
            self.words[w] = len(self.words)
        return self.words[w]

    def lift(self, v: Sym, t: C.Type) -> z3.ExprRef:
        """A Z3 term for a value of type `t` (terms pass through)."""
        if isinstance(v, z3.ExprRef):
            return v
        match t:
            case C.BoolT():
                return z3.BoolVal(bool(v), self.ctx)
            case C.IntT():
                assert isinstance(v, int)
                return self.int_val(v)
            case C.WordT():
                return self.int_val(self.word_index(str(v)))
            case C.EnumT():
                index = t.members.index(str(v))
                if self.enums == "datatype":
                    return self._enum(t)[1][index]
                return self.int_val(index)
            case _:
                raise TypeError(f"cannot lift a value of type {t}")

    def var(self, name: str, t: C.Type) -> z3.ExprRef:
        return z3.Const(name, self.sort(t))

    def domain(
        self, v: z3.ExprRef, t: C.Type, lo: int | None = None, hi: int | None = None
    ) -> list[z3.BoolRef]:
        """Constraints keeping a variable inside its type (and int bounds, when given)."""
        if isinstance(t, C.EnumT) and self.enums == "int":
            return [self.le(self.int_val(0), v), self.lt(v, self.int_val(len(t.members)))]
        if isinstance(t, C.IntT) and lo is not None and hi is not None:
            return [self.le(self.int_val(lo), v), self.le(v, self.int_val(hi))]
        return []

    def value(self, model: z3.ModelRef, term: Sym, t: C.Type) -> Scalar:
        """The concrete value of a term in a model (completing unconstrained variables)."""
        if not isinstance(term, z3.ExprRef):
            return term
        v = model.eval(term, model_completion=True)
        match t:
            case C.BoolT():
                return bool(z3.is_true(v))
            case C.IntT():
                return self.int_of(v)
            case C.WordT():
                index = self.int_of(v)
                return next((w for w, i in self.words.items() if i == index), "")
            case C.EnumT():
                if self.enums == "datatype":
                    return str(v)
                return t.members[self.int_of(v)]
            case _:
                raise TypeError(f"no value of type {t}")

    def int_of(self, v: z3.ExprRef) -> int:
        if self.ints == "int":
            return int(v.as_long())
        return int(v.as_signed_long())

    # -- arithmetic (both arguments are terms of the int sort)

    def add(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
        return a + b

    def sub(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
        return a - b

    def mul(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.ExprRef:
        return a * b

    def neg(self, a: z3.ExprRef) -> z3.ExprRef:
        return -a

    def lt(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        return a < b

    def le(self, a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
        return a <= b

    def floordiv(self, a: z3.ExprRef, k: int) -> z3.ExprRef:
        """Python's a // k for a positive literal k."""
        if self.ints == "int":
            return a / self.int_val(k)
        return (a - self.mod(a, k)) / self.int_val(k)

    def mod(self, a: z3.ExprRef, k: int) -> z3.ExprRef:
        """Python's a % k for a positive literal k (the result has the divisor's sign)."""
        if self.ints == "int":
            return a % self.int_val(k)
        return a % self.int_val(k)  # z3 maps % on bit-vectors to bvsmod: sign of divisor
