"""Missions: do a learned reward and done generalise to missions never seen in training?

Issue 18 item 4. For each mission family (Fetch, GoToObject, GoToDoor, PutNear; the small
sizes), each k in (1, 2, 4, 8, 16), each data seed 0-2 and each prior (`learn`'s default,
`worldcoder.domains.DEFAULT_PRIOR`, and "perception"), one job:

- training data: episodes covering exactly k distinct missions. A mission is counted by its
  target, the colour and object words it names ("fetch a red ball" and "get a red ball" are one
  mission; PutNear names two objects); the first k targets met on env seeds 1,000 * seed + i
  are taken, `EPISODES_PER_MISSION` episodes each (a target's env seed is replayed with another
  policy seed when it recurs less often among those 1,000 seeds). The actions are data only: the reference
  model's (models/minigrid.wc) BFS plan to the mission (`plan.plan_to_goal`), with a random
  action instead at a rate `EPSILON` (the plan is then remade), so rewarded, failed and
  ordinary transitions all occur.
- synthesis: `synth.synthesize(Spec(data, (prior,), budget=Budget(seconds)), "enum")`.
- held-out: `HELDOUT_EPISODES` episodes (same policy) on env seeds 1,000,000 + 1,000 * seed + i
  whose target is none of the k training targets. Scored: the learned reward and done on each
  held-out transition, evaluated on the real next state (`CompiledModel.outcome`), so a wrong
  dynamics rule cannot hide or cause a reward error. Figures: the fraction of transitions
  whose reward and done are both right, the same on the rewarded and on the done transitions,
  and whether all are right; the learned `reward :=` and `done :=` rules and the first miss.

A family's k values stop below its number of distinct targets (GoToDoor names one of 6 door
colours: k = 1, 2, 4 and 5). "Missions needed" (per family, prior and seed) is the smallest k
from which on (that k and every larger one) the held-out reward and done are all right; the
family's figure is the largest over the seeds, or None ("not within" the largest k).

    worldcoder-bench --only missions [--quick] [--match 'Fetch/*']

Job keys are ``FAMILY/PRIOR/kK/seedS``. Writes bench/results/missions.json and missions.png.
"""

from __future__ import annotations

import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.suite import Job

NAME = "missions"
FAMILIES: dict[str, str] = {
    "Fetch": "MiniGrid-Fetch-5x5-N2-v0",
    "GoToObject": "MiniGrid-GoToObject-6x6-N2-v0",
    "GoToDoor": "MiniGrid-GoToDoor-5x5-v0",
    "PutNear": "MiniGrid-PutNear-6x6-N2-v0",
}
TARGETS = {"Fetch": 12, "GoToObject": 18, "GoToDoor": 6, "PutNear": 18 * 17}
"""How many distinct targets each family's missions name (colour x kind; PutNear: two objects)."""
KS = (1, 2, 4, 8, 16)
SEEDS = (0, 1, 2)
PRIORS = ("hint", "perception")
EPISODES_PER_MISSION = 3
MAX_STEPS = 25
EPSILON = 0.3
HORIZON = 25
HELDOUT_EPISODES = 20
SECONDS = 60.0
HELDOUT_SEED = 1_000_000
SEED_STRIDE = 1_000
POLICY_STRIDE = 10_000_000
QUICK_FAMILY, QUICK_KS, QUICK_SECONDS, QUICK_EPISODES, QUICK_HELDOUT = (
    "GoToDoor",
    (1, 2),
    20.0,
    1,
    6,
)

Record = dict[str, Any]


def ks_of(family: str) -> tuple[int, ...]:
    """The k values of a family: those of `KS` below its number of targets, and all but one
    target when that is smaller than the largest k."""
    total = TARGETS[family]
    ks = tuple(k for k in KS if k < total)
    return ks + ((total - 1,) if total - 1 < KS[-1] and total - 1 not in ks else ())


def jobs(quick: bool) -> list[Job]:
    if quick:
        return [
            _job(QUICK_FAMILY, "hint", k, 0, QUICK_SECONDS, QUICK_EPISODES, QUICK_HELDOUT)
            for k in QUICK_KS
        ]
    return [
        _job(family, prior, k, seed, SECONDS, EPISODES_PER_MISSION, HELDOUT_EPISODES)
        for family in FAMILIES
        for prior in PRIORS
        for k in ks_of(family)
        for seed in SEEDS
    ]


def _job(
    family: str, prior: str, k: int, seed: int, seconds: float, episodes: int, heldout: int
) -> Job:
    params = {"family": family, "prior": prior, "k": k, "seed": seed, "seconds": seconds,
              "episodes_per_mission": episodes, "heldout_episodes": heldout}  # fmt: skip
    return Job(NAME, f"{family}/{prior}/k{k}/seed{seed}", params)


# ----------------------------------------------------------------------------- data


@dataclass(frozen=True)
class Episodes:
    """Transitions (collect's record format) and the targets of the missions they play."""

    records: tuple[Record, ...]
    targets: tuple[tuple[str, ...], ...]
    seeds: tuple[int, ...]


def target(mission: str, names: frozenset[str]) -> tuple[str, ...]:
    """What a mission names: its colour and object words, in order."""
    return tuple(w for w in re.findall(r"[a-z0-9]+", mission.lower()) if w in names)


def target_words() -> frozenset[str]:
    """The colour and kind names of the MiniGrid schema (models/minigrid_prior.wc)."""
    from dsl.check import check_file
    from dsl.parse import library_path

    schema = check_file(library_path("minigrid_prior")).schema
    return frozenset(m for name in ("Color", "Kind") for m in _members(schema, name))


def _members(schema: Any, name: str) -> tuple[str, ...]:
    enum = schema.enum(name)
    assert enum is not None, name
    members: tuple[str, ...] = enum.members
    return members


def training(family: str, k: int, seed: int, per_mission: int) -> Episodes:
    """Episodes covering exactly the first k targets met on env seeds SEED_STRIDE * seed + i,
    `per_mission` each: the target's first env seeds, replayed with another policy seed where
    the target recurs less often among the SEED_STRIDE seeds (PutNear's 306 targets)."""
    env_id = FAMILIES[family]
    chosen: dict[tuple[str, ...], list[int]] = {}
    start = SEED_STRIDE * seed
    for t, s in _mission_seeds(env_id, start, start + SEED_STRIDE, target_words()):
        if t not in chosen and len(chosen) == k:
            continue
        seeds = chosen.setdefault(t, [])
        if len(seeds) < per_mission:
            seeds.append(s)
        if len(chosen) == k and all(len(v) == per_mission for v in chosen.values()):
            break
    if len(chosen) < k:
        raise RuntimeError(f"{family}: fewer than {k} distinct missions on the training seeds")
    order = sorted(v[i % len(v)] for v in chosen.values() for i in range(per_mission))
    return Episodes(_play(env_id, order), tuple(chosen), tuple(order))


def heldout(
    family: str, seed: int, episodes: int, exclude: tuple[tuple[str, ...], ...]
) -> Episodes:
    """The first `episodes` episodes on env seeds HELDOUT_SEED + SEED_STRIDE * seed + i whose
    target is not in `exclude`."""
    env_id = FAMILIES[family]
    start = HELDOUT_SEED + SEED_STRIDE * seed
    found: list[tuple[tuple[str, ...], int]] = []
    for t, s in _mission_seeds(env_id, start, start + SEED_STRIDE, target_words()):
        if t not in exclude:
            found.append((t, s))
        if len(found) == episodes:
            break
    seeds = tuple(s for _, s in found)
    return Episodes(_play(env_id, seeds), tuple(dict.fromkeys(t for t, _ in found)), seeds)


def _mission_seeds(
    env_id: str, start: int, stop: int, names: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], int]]:
    """(target, env seed) for env seeds start, start + 1, ... below stop."""
    from worldcoder.envs import make_env

    env = make_env(env_id, max_steps=MAX_STEPS)
    try:
        for s in range(start, stop):
            _, mission = env.reset(seed=s)
            yield target(mission, names), s
    finally:
        env.close()


def _play(env_id: str, seeds: tuple[int, ...] | list[int]) -> tuple[Record, ...]:
    """One episode per env seed (the i-th of them: a decoy one when i is odd); the policy's
    random seed is the env seed, plus 10,000,000 for each earlier episode of the same seed."""
    from dsl.check import check_file
    from worldcoder.domains import env_domain
    from worldcoder.envs import make_env

    reference = check_file(env_domain(env_id).reference_path)
    names = target_words()
    env = make_env(env_id, max_steps=MAX_STEPS)
    out: list[Record] = []
    try:
        for episode, s in enumerate(seeds):
            policy = s + POLICY_STRIDE * seeds[:episode].count(s)
            out += _episode(env, reference, s, policy, episode, names)
    finally:
        env.close()
    return tuple(out)


def _episode(
    env: Any, reference: Any, seed: int, policy: int, episode: int, names: frozenset[str]
) -> list[Record]:
    """The reference model's plan to the mission (to a decoy mission in odd episodes), a random
    action instead at the rate `EPSILON` (the plan is then remade)."""
    rng = random.Random(policy)
    state, mission = env.reset(seed=seed)
    goal = decoy(mission, state, names, rng) if episode % 2 else mission
    planned: list[str] = []
    out: list[Record] = []
    for step in range(MAX_STEPS):
        if rng.random() < EPSILON:
            action, planned = rng.choice(env.actions), []
        else:
            planned = planned or _plan(reference, state, goal)
            action = planned.pop(0) if planned else rng.choice(env.actions)
        result = env.step(action)
        out.append({"state": state, "action": action, "next_state": result.state,
                    "reward": result.reward, "done": result.terminated, "mission": mission,
                    "episode": episode, "seed": seed, "step": step})  # fmt: skip
        if result.terminated or result.truncated:
            break
        state, mission = result.state, result.mission
    return out


def _plan(reference: Any, state: Record, mission: str) -> list[str]:
    """The reference model's shortest plan to `mission`'s reward and done (BFS), or none."""
    from dsl.values import Mission, state_from_json
    from plan import plan_to_goal
    from solver import Limits

    start = state_from_json(reference.schema, state)
    found = plan_to_goal(reference, start, Mission.of(mission), HORIZON, Limits(timeout=10.0),
                         engine="bfs")  # fmt: skip
    return list(found.plan) if found.status == "sat" else []


def decoy(mission: str, state: Record, names: frozenset[str], rng: random.Random) -> str:
    """`mission` with its first named object replaced by another object of the state of the same
    sort (a door for a door; PutNear's two objects swap when there is no third), so that planning to it makes the data hold wrong pickups, drops
    and stops; the mission itself when there is none."""
    named = target(mission, names)
    pairs = set(zip(named[::2], named[1::2], strict=False))
    if not pairs:
        return mission
    colour, kind = named[0], named[1]
    doors = kind == "door"
    others = sorted({(o["color"], o["kind"]) for o in state["objects"]
                     if (o["kind"] == "door") == doors and o["kind"] in names - {"wall", "floor",
                     "goal", "lava", "none"}} - pairs)  # fmt: skip
    if not others and len(named) == 4:  # PutNear with no third object: the two swap roles
        first, second = f"{colour} {kind}", f"{named[2]} {named[3]}"
        return mission.replace(first, "\0").replace(second, first).replace("\0", second)
    if not others:
        return mission
    c, k = rng.choice(others)
    return mission.replace(f"{colour} {kind}", f"{c} {k}", 1)


# ----------------------------------------------------------------------------- scoring


def score_reward_done(program: Any, records: tuple[Record, ...]) -> dict[str, Any]:
    """How often `program`'s reward and done are right on `records`, evaluated on the real
    next state (the dynamics rules play no part)."""
    from dsl.compile import compile_program
    from dsl.values import Mission, state_from_json

    model = compile_program(program)
    schema = program.schema
    right = rewarded = rewarded_right = done = done_right = 0
    first: str | None = None
    for rec in records:
        state = state_from_json(schema, rec["state"], "state")
        nxt = state_from_json(schema, rec["next_state"], "next_state")
        reward, ends = model.outcome(state, rec["action"], nxt, Mission.of(rec["mission"]))
        ok = float(reward) == float(rec["reward"]) and ends == rec["done"]
        right += ok
        rewarded += rec["reward"] > 0
        rewarded_right += ok and rec["reward"] > 0
        done += bool(rec["done"])
        done_right += ok and bool(rec["done"])
        if not ok and first is None:
            first = (f"{rec['mission']!r} env seed {rec['seed']} step {rec['step']} "
                     f"{rec['action']}: reward {reward} (env {rec['reward']}), done {ends} "
                     f"(env {rec['done']})")  # fmt: skip
    n = len(records)
    return {
        "transitions": n, "right": right, "fraction": right / n if n else 1.0,
        "all_right": right == n, "rewarded": rewarded, "rewarded_right": rewarded_right,
        "done": done, "done_right": done_right, "first_miss": first,
    }  # fmt: skip


def outcome_rules(text: str) -> dict[str, str]:
    """The `reward :=` and `done :=` rules of a learned program's text (one line each once
    whitespace is collapsed)."""
    rules: dict[str, str] = {}
    for name in ("reward", "done"):
        found = re.search(rf"^{name} :=(.*?)(?=^\S|\Z)", text, re.S | re.M)
        rules[name] = " ".join(found.group(1).split()) if found else ""
    return rules


# ----------------------------------------------------------------------------- a job


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    import time

    from dsl.check import check_file
    from dsl.values import transition_from_json
    from synth import Budget, Spec, synthesize
    from synth.score import program_text
    from worldcoder.domains import env_domain

    family, k, seed = params["family"], params["k"], params["seed"]
    env_id = FAMILIES[family]
    prior = env_domain(env_id).prior_of(params["prior"])
    train = training(family, k, seed, params["episodes_per_mission"])
    test = heldout(family, seed, params["heldout_episodes"], train.targets)
    schema = check_file(prior).schema
    data = tuple((i + 1, transition_from_json(schema, r, f"line {i + 1}"))
                 for i, r in enumerate(train.records))  # fmt: skip
    spec = Spec(data, (prior,), budget=Budget(seconds=params["seconds"]))
    t0 = time.perf_counter()
    result = synthesize(spec, "enum")
    seconds = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "learned.wc"
        path.write_text(program_text(spec, result.text, path))
        learned = check_file(path)
    return {
        "env": env_id,
        "training_targets": [" ".join(t) for t in train.targets],
        "heldout_targets": [" ".join(t) for t in test.targets],
        "training_seeds": list(train.seeds),
        "heldout_seeds": list(test.seeds),
        "transitions": len(data),
        "rewarded_transitions": sum(r["reward"] > 0 for r in train.records),
        "seconds": round(seconds, 2),
        "candidates": result.cost.candidates,
        "consistent": result.consistent,
        "failing": len(result.failing),
        "heldout": score_reward_done(learned, test.records),
        "rules": outcome_rules(result.text),
        "program": result.text,
    }


# ----------------------------------------------------------------------------- summary


def missions_needed(all_right: dict[int, bool]) -> int | None:
    """The smallest k from which on (k and every larger k measured) all are right."""
    needed: int | None = None
    for k in sorted(all_right, reverse=True):
        if not all_right[k]:
            break
        needed = k
    return needed


MISSION_HELPERS = ("named", "mission_kind", "mission_color", "word(", "has_word(")
"""What a rule reads the mission through (prior helpers and builtins), by name."""


def named_constants(rule: str) -> list[str]:
    """The colours and kinds a rule names by constant (`Color.red`, `Kind.key`; not
    `Kind.none`): what a rule that fits its training missions only tends to read."""
    return sorted(set(re.findall(r"\b(?:Color|Kind)\.\w+", rule)) - {"Kind.none"})


def reads_mission(rule: str) -> bool:
    """Whether a rule reads the mission (a helper or builtin of `MISSION_HELPERS`)."""
    return any(name in rule for name in MISSION_HELPERS)


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    runs: dict[tuple[str, str, int], dict[int, dict[str, Any]]] = {}
    for row in rows:
        p = row["params"]
        if "error" not in row["result"]:
            runs.setdefault((p["family"], p["prior"], p["seed"]), {})[p["k"]] = row["result"]
    table = []
    for family in FAMILIES:
        for prior in PRIORS:
            seeds = {s: r for (f, pr, s), r in runs.items() if f == family and pr == prior}
            if not seeds:
                continue
            needed = {s: missions_needed({k: v["heldout"]["all_right"] for k, v in r.items()})
                      for s, r in sorted(seeds.items())}  # fmt: skip
            ks = sorted({k for r in seeds.values() for k in r})
            per_k = {
                str(k): [round(r[k]["heldout"]["fraction"], 4) if k in r else None
                         for _, r in sorted(seeds.items())]
                for k in ks
            }  # fmt: skip
            every = [(s, k, v) for s, r in sorted(seeds.items()) for k, v in sorted(r.items())]
            fails = [
                {"seed": s, "k": k, "rules": v["rules"], "first_miss": v["heldout"]["first_miss"],
                 "constants": named_constants(v["rules"]["reward"] + " " + v["rules"]["done"])}
                for s, k, v in every if not v["heldout"]["all_right"]
            ]  # fmt: skip
            uses = {
                "reward_names_a_constant": sum(bool(named_constants(v["rules"]["reward"]))
                                               for _, _, v in every),
                "reward_reads_the_mission": sum(reads_mission(v["rules"]["reward"])
                                                for _, _, v in every),
                "done_names_a_constant": sum(bool(named_constants(v["rules"]["done"]))
                                             for _, _, v in every),
                "runs": len(every),
            }  # fmt: skip
            found = [v for v in needed.values() if v is not None]
            family_needed = max(found) if len(found) == len(needed) else None
            table.append({
                "family": family, "prior": prior, "ks": ks, "seeds": sorted(seeds),
                "missions_needed": family_needed, "missions_needed_per_seed":
                {str(s): v for s, v in needed.items()}, "heldout_fraction": per_k,
                "rules": uses, "failures": fails,
            })  # fmt: skip
    plot = out_dir / (f"{NAME}-quick.png" if quick else f"{NAME}.png")
    _plot(table, plot)
    return {"plot": plot.name, "table": table}


def _plot(table: list[dict[str, Any]], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = list(dict.fromkeys(t["family"] for t in table)) or ["(none)"]
    fig, axes = plt.subplots(1, len(families), figsize=(3.6 * len(families), 3.6), sharey=True,
                             squeeze=False)  # fmt: skip
    for ax, family in zip(axes[0], families, strict=True):
        for t in (t for t in table if t["family"] == family):
            m = PRIORS.index(t["prior"]) if t["prior"] in PRIORS else 0
            for k, values in t["heldout_fraction"].items():
                for v in values:
                    if v is not None:
                        ax.scatter(int(k) * (1.06 if m else 0.94), v, color=f"C{m}", s=18,
                                   label=t["prior"])  # fmt: skip
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        if unique:
            ax.legend(unique.values(), unique.keys(), fontsize=8, loc="lower right")
        ax.set_xscale("log", base=2)
        ax.set_title(family)
        ax.set_xlabel("training missions k")
    axes[0][0].set_ylabel("held-out reward & done right")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
