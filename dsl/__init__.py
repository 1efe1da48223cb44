"""The WorldCoder DSL: parse -> check -> pretty-print, interpret or compile. No Z3, no LLM here.

module  = parse_module(text, path)          # dsl.syntax tree, positions attached
program = check_file("models/minigrid.wc")  # dsl.core program (imports followed)
text    = pretty(module)                    # canonical text; parse(pretty(m)) == m
outcome = run_step(program, state, action, mission)        # reference interpreter
model   = compile_program(program); model.step(state, action, mission)  # generated code (or
          # backend="closures"); both agree with the interpreter
space   = model.expansion(mission); space.successors(space.key(state))   # planners: every
          # action at once, on flat states (tuples) with generated code
data    = read_dataset(program.schema, "data.jsonl")        # JSONL transitions
"""

from dsl.check import check_file, check_modules, check_text
from dsl.compile import CompiledModel, compile_program
from dsl.core import Program, Schema
from dsl.errors import Diagnostic, DslError, RunError
from dsl.interp import run_step
from dsl.parse import grammar_text, load_modules, parse_expr, parse_file, parse_module
from dsl.pretty import expr_text, pretty
from dsl.values import (
    DataError,
    Mission,
    Outcome,
    State,
    Transition,
    read_dataset,
    state_from_json,
    state_to_json,
    transition_from_json,
    transition_to_json,
    write_dataset,
)

__all__ = [
    "CompiledModel", "DataError", "Diagnostic", "DslError", "Mission", "Outcome", "Program",
    "RunError", "Schema", "State", "Transition", "check_file", "check_modules", "check_text",
    "compile_program", "expr_text", "grammar_text", "load_modules", "parse_expr", "parse_file",
    "parse_module", "pretty", "read_dataset", "run_step", "state_from_json", "state_to_json",
    "transition_from_json", "transition_to_json", "write_dataset",
]  # fmt: skip
