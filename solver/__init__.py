"""Exact Z3 semantics of the DSL and the satisfiability queries built on it.

    check_consistency(program, [(line, transition), ...])    -> sat (holes) | unsat (failing lines)
    plan(program, start, mission, horizon)                   -> shortest plan | unsat (Z3 BMC)
    optimistic(sketch, data, start, mission, horizon)        -> holes + plan in one query
    distinguish(a, b, Bounds(w, h, k)) / equivalent(...)     -> state + action where they differ
    invariant(program, "helper_name", Bounds(...), k)        -> proved | counterexample trace

The explicit-state planners on compiled models live one layer up, in `plan`.

Every query takes `Limits(timeout, rlimit, smt2)` and answers "unknown" with a reason rather than
hang. `Theory(ints="bv"|"int", enums="int"|"datatype")` picks the encoding.
"""

from solver.encode import Encoder, HoleVars, SymState, fresh_state
from solver.queries import (
    Bounds,
    Limits,
    Result,
    check_consistency,
    distinguish,
    equivalent,
    invariant,
    optimistic,
    plan,
)
from solver.theory import Theory

__all__ = [
    "Bounds", "Encoder", "HoleVars", "Limits", "Result", "SymState", "Theory", "check_consistency",
    "distinguish", "equivalent", "fresh_state", "invariant", "optimistic", "plan",
]  # fmt: skip
