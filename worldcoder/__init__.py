"""WorldCoder: the agent and the product around it (environments, CLI, reports).

The language lives in `dsl`, the solver in `solver`, the proposers in `synth`.
"""

from worldcoder.model_env import ModelEnv

__version__ = "0.1.0"
__all__ = ["ModelEnv"]
