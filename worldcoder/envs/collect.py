"""Random-policy data collection.

Owns `collect`, which plays random-policy episodes through `make_env` and
yields one JSON-able transition record per step, and `write_jsonl`, which
writes records one JSON object per line (flushing each line).

Record keys: state, action, next_state, reward, done (= terminated), mission,
raw_reward, truncated, episode, step, env.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

from .base import EnvError, JsonState, ObjectEnv, Step
from .registry import make_env

Record = dict[str, Any]


def _episode(
    env: ObjectEnv, env_id: str, episode: int, seed: int, rng: random.Random
) -> Iterator[Record]:
    state, mission = env.reset(seed=seed)
    step = 0
    while True:
        action = rng.choice(env.actions)
        result = env.step(action)
        yield _record(env_id, episode, step, state, action, mission, result.state, result)
        if result.terminated or result.truncated:
            return
        state, mission, step = result.state, result.mission, step + 1


def _record(
    env_id: str,
    episode: int,
    step: int,
    state: JsonState,
    action: str,
    mission: str,
    next_state: JsonState,
    result: Step,
) -> Record:
    return {
        "state": state,
        "action": action,
        "next_state": next_state,
        "reward": result.reward,
        "done": result.terminated,
        "mission": mission,
        "raw_reward": result.raw_reward,
        "truncated": result.truncated,
        "episode": episode,
        "step": step,
        "env": env_id,
    }


def collect(
    env_id: str,
    episodes: int,
    seed: int,
    *,
    max_steps: int | None = None,
    level_file: str | None = None,
    level: int | None = None,
    policy_seed: int | None = None,
) -> Iterator[Record]:
    """Play ``episodes`` random-policy episodes (episode i is reset with ``seed + i``).

    Actions are drawn from ``random.Random(policy_seed if given else seed)``.
    The environment is built (and the options checked) before the first record.
    """
    if episodes < 0:
        raise EnvError(f"episodes must be non-negative, got {episodes}")
    env = make_env(env_id, level_file=level_file, level=level, max_steps=max_steps)
    rng = random.Random(seed if policy_seed is None else policy_seed)
    return _collect(env, env_id, episodes, seed, rng)


def _collect(
    env: ObjectEnv, env_id: str, episodes: int, seed: int, rng: random.Random
) -> Iterator[Record]:
    try:
        for episode in range(episodes):
            yield from _episode(env, env_id, episode, seed + episode, rng)
    finally:
        env.close()


def _write(records: Iterable[Mapping[str, Any]], out: TextIO) -> int:
    count = 0
    for record in records:
        out.write(json.dumps(record, separators=(",", ":")) + "\n")
        out.flush()
        count += 1
    return count


def write_jsonl(records: Iterable[Mapping[str, Any]], path: str | Path) -> int:
    """Write ``records`` one JSON object per line to ``path`` ("-" = stdout); returns the count."""
    if str(path) == "-":
        return _write(records, sys.stdout)
    try:
        with Path(path).open("w", encoding="utf-8") as out:
            return _write(records, out)
    except OSError as exc:
        raise EnvError(f"cannot write {str(path)!r}: {exc.strerror or exc}") from None
