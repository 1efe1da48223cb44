"""WorldCoder: the agent and the product around it (environments, CLI, reports).

The language lives in `dsl`, the solver in `solver`, the proposers in `synth`. The names below
are the library's public face (`worldcoder.api`, documented in docs/api.md); everything else is
an implementation detail that may change.
"""

from worldcoder.api import (
    Answer,
    Bounds,
    DatasetError,
    LearnConfig,
    LearnError,
    Model,
    ModelError,
    Run,
    SygusProblem,
    Synthesis,
    Transition,
    WorldCoderError,
    collect,
    consistent,
    equivalent,
    invariant,
    learn,
    load_model,
    model_from_text,
    read_data,
    resume,
    sygus_problems,
    synthesize,
    write_sygus,
)
from worldcoder.model_env import ModelEnv

__version__ = "0.1.0"
__all__ = [
    "Answer", "Bounds", "DatasetError", "LearnConfig", "LearnError", "Model", "ModelEnv",
    "ModelError", "Run", "SygusProblem", "Synthesis", "Transition", "WorldCoderError", "collect",
    "consistent", "equivalent", "invariant", "learn", "load_model", "model_from_text",
    "read_data", "resume", "sygus_problems", "synthesize", "write_sygus",
]  # fmt: skip
