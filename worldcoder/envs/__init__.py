"""Adapters from real environments to object-centric JSON states.

This package owns everything between a real environment (MiniGrid, BabyAI, our
Sokoban, gymnasium's Taxi) and the world-model learner: the common `ObjectEnv`
interface and `Step` record (`base`), the adapters (`minigrid_env`, `babyai_env`,
`sokoban`, `taxi`), which MiniGrid/BabyAI ids are supported and why not (`coverage`), the id
registry and `make_env` factory (`registry`), random-policy
data collection (`collect`) and the shipped Sokoban level sets (``levels/``: the bundled
hand-made levels and the Boxoban test file, named in `sokoban.LEVEL_SETS`).
"""

from .base import EnvError, EnvUsageError, JsonState, ObjectEnv, Step
from .collect import collect, write_jsonl
from .registry import SUPPORTED_ENVS, domain_of, make_env
from .sokoban import Level, SokobanEnv, bundled_levels_path, load_levels, parse_levels

__all__ = [
    "SUPPORTED_ENVS",
    "EnvError",
    "EnvUsageError",
    "JsonState",
    "Level",
    "ObjectEnv",
    "SokobanEnv",
    "Step",
    "bundled_levels_path",
    "collect",
    "domain_of",
    "load_levels",
    "make_env",
    "parse_levels",
    "write_jsonl",
]
