"""Taxi 5x5: env steps until the greedy policy is optimal from every start state, for our agent
(`worldcoder learn`) and tabular Q-learning measured here, against the published figures of
DOORMAX, Factored R-max and R-max (Diuk, Cohen, Littman 2008, "An object-oriented representation
for efficient reinforcement learning", ICML; Taxi 5x5), which are quoted, not measured here.

Reference. gymnasium's deterministic Taxi (``is_rainy`` and ``fickle_passenger`` off). Every
step costs -1 and only the delivery (+20) ends an episode, so a policy maximises the return
(gamma 1, or any gamma < 1) exactly when it delivers in the fewest steps. ``optimal_steps`` runs
value iteration with gamma 1 on the real env's own transition table ``env.unwrapped.P``: the
fewest steps to the delivery from each of the 500 encoded states. The start states are the
support of Taxi's initial distribution: taxi anywhere, passenger at one of the 4 landmarks,
destination another one (300 states).

Optimality test ("greedy policy optimal from every start state"). For a learned model: from each
of the 300 start states, plan in the compiled model (``plan.bfs_plan``: a shortest action list
to a positive reward with done; at most 50,000 nodes or 10 s; its horizon is the true optimum,
which changes no verdict since a longer shortest plan fails anyway), then run that plan open-loop
in the real env from that exact state (``env.unwrapped.s`` set to it, then
``env.unwrapped.step``); the start passes when the plan's last action, and only it, delivers, and
the plan is exactly as long as the optimum. For Q-learning: from each start, act greedily
(``argmax Q``, ties to the first action) in the real env for at most the optimal number of steps;
it passes when it delivers in exactly that many.

Ours. One ``worldcoder learn --env Taxi-v4`` run per seed (default agent: offline enumerative
proposer, BFS planner, stops after 10 successes in a row or the episode budget) in a temporary run
directory, killed at a wall-clock cap. Afterwards the accepted models ``models/NNN.wc`` are
evaluated in order; the k-th model is paired with the k-th consistent ``synthesis`` event of
``events.jsonl``, whose ``env_steps`` is the step at which it was accepted. Each model is checked
start by start up to its first failing start (its log entry says how many passed before it). The
figure is the acceptance step of the first model that passes from all 300 starts; without one the
status is "not solved" (the run ended by itself and no model passed) or "cut" (the learning run or
the evaluation hit its wall-clock cap first).

Q-learning. Tabular, epsilon-greedy on the real env (``Taxi-v4`` through ``gymnasium.make``, 200
step episodes, reset with seed ``seed``, then unseeded resets; exploration from a
``numpy.random.default_rng(seed)``): alpha 0.1, gamma 0.99, epsilon 0.2, Q initialised to 0, the
update target ``r`` on termination and ``r + gamma max Q(s')`` otherwise (also on truncation).
The full run also runs the textbook epsilon 0.1 (``qlearning_epsilon_0.1``): with it some seeds
learn a greedy policy that stays suboptimal from one start for a long time (a rarely explored
detour around a wall), so 0.2 is the main setting, the one more favourable to Q-learning.
Every ``eval_every`` env steps the greedy policy is tested from all 300 starts (evaluation steps
are not counted and do not update Q); the figure is the first step count at which it passes from
all of them, so it is exact to within ``eval_every`` steps (status "not solved" when the step
``budget`` runs out, "cut" at the wall-clock cap). The log of [step, starts passed] is returned.

Summary: per method and seed the figure or its status, the median over seeds ("not solved" unless
every seed got a figure) and the median over the seeds that did; the published figures under
"published_not_measured_here". The runner writes it to bench/results/taxi.json; the plot
taxi.png (taxi-quick.* when quick) has a bar per method, log scale: the measured medians solid with
a dot per seed, the published figures hatched.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.runs import run_cli
from bench.suite import Job

NAME = "taxi"
ENV_ID = "Taxi-v4"
PUBLISHED = {"DOORMAX": 529, "Factored R-max": 1676, "R-max": 4151}
PUBLISHED_SOURCE = (
    "Diuk, Cohen, Littman 2008, An object-oriented representation for efficient reinforcement "
    "learning (ICML), Taxi 5x5: published, not measured here"
)
ALPHA, GAMMA, EPSILON = 0.1, 0.99, 0.2
EPSILON_VARIANT = 0.1
"""The textbook epsilon, run too in the full bench (as ``qlearning_epsilon_0.1``)."""
PLAN_NODES = 50_000
PLAN_SECONDS = 10.0


# ----------------------------------------------------------------------------- the reference


def taxi_env() -> Any:
    """gymnasium's deterministic Taxi (unwrapped ``TaxiEnv``), reset once."""
    import gymnasium

    env = gymnasium.make(ENV_ID, is_rainy=False, fickle_passenger=False).unwrapped
    env.reset(seed=0)
    return env


def start_states(env: Any) -> list[int]:
    """The encoded states Taxi can start in (the support of its initial distribution)."""
    return [s for s, p in enumerate(env.initial_state_distrib) if p > 0]


def _transition(env: Any, s: int, a: int) -> tuple[int, float, bool]:
    ((_, nxt, reward, done),) = env.P[s][a]
    return int(nxt), float(reward), bool(done)


def optimal_steps(env: Any) -> list[int | None]:
    """Fewest steps from each encoded state to a delivery (value iteration, gamma 1, on the env's
    transition table); None where no delivery is reachable."""
    n, actions = env.observation_space.n, env.action_space.n
    dist: list[int | None] = [None] * n
    changed = True
    while changed:
        changed = False
        for s in range(n):
            best = dist[s]
            for a in range(actions):
                nxt, reward, done = _transition(env, s, a)
                if done and reward > 0:
                    cand: int | None = 1
                else:
                    after = dist[nxt]
                    cand = None if done or after is None else after + 1
                if cand is not None and (best is None or cand < best):
                    best = cand
            if best != dist[s]:
                dist[s], changed = best, True
    return dist


def run_actions(env: Any, start: int, actions: list[int]) -> int | None:
    """Runs `actions` in the real env from `start`; the number of steps when the last one, and
    only it, delivers (positive reward, terminal), else None."""
    env.s = start
    for i, a in enumerate(actions):
        _, reward, terminated, _, _ = env.step(a)
        if terminated:
            return i + 1 if reward > 0 and i == len(actions) - 1 else None
    return None


@dataclass(frozen=True)
class Reference:
    env: Any
    starts: tuple[int, ...]
    optimal: tuple[int | None, ...]


def reference() -> Reference:
    env = taxi_env()
    return Reference(env, tuple(start_states(env)), tuple(optimal_steps(env)))


# ----------------------------------------------------------------------------- learned models


def model_passes(ref: Reference, model: Any, start: int) -> bool:
    """Whether the model's shortest plan from `start` is optimal when run in the real env."""
    from dsl.values import Mission, state_from_json
    from plan.bfs import bfs_plan
    from worldcoder.envs.taxi import TAXI_ACTIONS, TAXI_MISSION, taxi_state

    best = ref.optimal[start]
    assert best is not None
    state = state_from_json(model.program.schema, taxi_state(ref.env, start))
    search = bfs_plan(model, state, Mission.of(TAXI_MISSION), best, max_nodes=PLAN_NODES,
                      timeout=PLAN_SECONDS)  # fmt: skip
    if search.status != "sat" or len(search.plan) != best:
        return False
    steps = run_actions(ref.env, start, [TAXI_ACTIONS.index(a) for a in search.plan])
    return steps == ref.optimal[start]


def load_model(path: Path) -> Any:
    from dsl.check import check_file
    from dsl.compile import compile_program

    return compile_program(check_file(path))


def model_optimal_starts(ref: Reference, path: Path) -> int:
    """How many of the start states the model file's greedy (shortest-plan) policy is optimal
    from."""
    model = load_model(path)
    return sum(model_passes(ref, model, s) for s in ref.starts)


def starts_until_failure(ref: Reference, path: Path) -> int:
    """How many start states (in order) the model file passes before its first failure: all of
    them (300) when its greedy policy is optimal from every start."""
    model = load_model(path)
    for checked, start in enumerate(ref.starts):
        if not model_passes(ref, model, start):
            return checked
    return len(ref.starts)


# ----------------------------------------------------------------------------- ours


def _learn(params: dict[str, Any], run_dir: Path) -> dict[str, Any]:
    """Runs `worldcoder learn` (exit 0: streak reached, 1: not reached) under the wall-clock cap;
    any other exit raises with the end of its stderr (`bench.runs.run_cli`)."""
    args = ["learn", "--env", ENV_ID, "--seed", str(params["seed"]),
            "--episodes", str(params["episodes"]), "--run-dir", str(run_dir)]  # fmt: skip
    t0 = time.perf_counter()
    code = run_cli(args, params["cap_seconds"])
    return {"finished": code is not None, "returncode": code,
            "learn_seconds": round(time.perf_counter() - t0, 1)}  # fmt: skip


def accepted_models(run_dir: Path, finished: bool = True) -> list[tuple[Path, int]]:
    """(model file, env step at which it was accepted), in order of acceptance. A run killed
    (`finished` false) between saving a model and logging its event leaves one model unpaired:
    it is left out."""
    from worldcoder.events import Synthesis, read_events
    from worldcoder.rundir import RunDir

    events = read_events(RunDir(run_dir))
    steps = [e.env_steps for e in events if isinstance(e, Synthesis) and e.consistent]
    models = sorted((run_dir / "models").glob("*.wc"))
    if not finished and len(models) == len(steps) + 1:
        models = models[:-1]
    if len(models) != len(steps):
        raise RuntimeError(
            f"{len(models)} model files but {len(steps)} consistent synthesis events in {run_dir}"
        )
    return list(zip(models, steps, strict=True))


def evaluate_models(run_dir: Path, deadline: float, finished: bool = True) -> dict[str, Any]:
    """Each accepted model in order until the first optimal from every start. Each model is
    checked start by start up to its first failure (``starts_passed``: how many passed before
    it). ``status``: "optimal" (``steps_to_optimal`` set), "not solved" (every model checked,
    none optimal, the run ended by itself) or "cut" (the learning run or the evaluation ran out
    of wall-clock time first)."""
    ref = reference()
    log: list[dict[str, Any]] = []
    models = accepted_models(run_dir, finished)
    for path, step in models:
        if time.monotonic() > deadline:
            break
        passed = starts_until_failure(ref, path)
        log.append({"model": path.name, "env_steps": step, "starts_passed": passed})
        if passed == len(ref.starts):
            return {"status": "optimal", "steps_to_optimal": step, "starts": len(ref.starts),
                    "model_log": log}  # fmt: skip
    status = "not solved" if finished and len(log) == len(models) else "cut"
    return {"status": status, "steps_to_optimal": None, "starts": len(ref.starts),
            "model_log": log}  # fmt: skip


def run_ours(params: dict[str, Any]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-taxi-") as tmp:
        run_dir = Path(tmp) / "run"
        out = _learn(params, run_dir)
        t0 = time.perf_counter()
        deadline = time.monotonic() + params["eval_cap_seconds"]
        out |= evaluate_models(run_dir, deadline, out["finished"])
        out["eval_seconds"] = round(time.perf_counter() - t0, 1)
        report_path = run_dir / "report.json"
        report = json.loads(report_path.read_text()) if report_path.exists() else {}
    keys = ("total_env_steps", "episodes", "successes", "success_streak",
            "steps_to_first_success", "steps_to_correct_model", "synthesis_calls",
            "synthesis_seconds")  # fmt: skip
    return out | {k: report.get(k) for k in keys}


# ----------------------------------------------------------------------------- Q-learning


def greedy_optimal_starts(ref: Reference, q: Any) -> int:
    """How many start states the greedy policy of `q` delivers from in exactly the optimum."""
    passed = 0
    for start in ref.starts:
        best = ref.optimal[start]
        assert best is not None
        s, steps = start, 0
        while steps < best:
            s, reward, done = _transition(ref.env, s, int(q[s].argmax()))
            steps += 1
            if done:
                break
        passed += steps == best and done and reward > 0
    return passed


def q_update(env: Any, q: Any, s: int, rng: Any, epsilon: float) -> int:
    """One epsilon-greedy step in the real env and its Q-learning update; the next state to act
    from (after a reset when the episode ended)."""
    explore = rng.random() < epsilon
    a = int(rng.integers(q.shape[1])) if explore else int(q[s].argmax())
    nxt, reward, terminated, truncated, _ = env.step(a)
    target = reward if terminated else reward + GAMMA * q[nxt].max()
    q[s, a] += ALPHA * (target - q[s, a])
    return int(env.reset()[0]) if terminated or truncated else int(nxt)


def run_qlearning(params: dict[str, Any]) -> dict[str, Any]:
    """``status``: "optimal" (``steps_to_optimal`` set), "not solved" (the step budget ran out)
    or "cut" (the wall-clock cap)."""
    import gymnasium
    import numpy as np

    ref = reference()
    env = gymnasium.make(ENV_ID, is_rainy=False, fickle_passenger=False)
    rng = np.random.default_rng(params["seed"])
    q = np.zeros((env.observation_space.n, env.action_space.n))
    s = int(env.reset(seed=params["seed"])[0])
    log: list[list[int]] = []
    status, deadline = "not solved", time.monotonic() + params["cap_seconds"]
    for step in range(1, params["budget"] + 1):
        s = q_update(env, q, s, rng, params["epsilon"])
        if step % params["eval_every"] == 0:
            log.append([step, greedy_optimal_starts(ref, q)])
            if log[-1][1] == len(ref.starts):
                status = "optimal"
                break
            if time.monotonic() > deadline:
                status = "cut"
                break
    env.close()
    return {"status": status, "steps_to_optimal": step if status == "optimal" else None,
            "starts": len(ref.starts), "steps_run": step, "alpha": ALPHA, "gamma": GAMMA,
            "epsilon": params["epsilon"], "eval_log": log}  # fmt: skip


# ----------------------------------------------------------------------------- the bench


def jobs(quick: bool) -> list[Job]:
    seeds = [0] if quick else [0, 1, 2, 3, 4]
    ours = {"method": "ours", "quick": quick, "episodes": 30 if quick else 100,
            "cap_seconds": 240 if quick else 3600,
            "eval_cap_seconds": 120 if quick else 1200}  # fmt: skip
    qlearn = {"method": "qlearning", "quick": quick, "budget": 300_000,
              "eval_every": 500 if quick else 250,
              "cap_seconds": 120 if quick else 1800}  # fmt: skip
    out = [Job(NAME, f"ours/seed{s}", ours | {"seed": s}) for s in seeds]
    out += [Job(NAME, f"qlearning/seed{s}", qlearn | {"seed": s, "epsilon": EPSILON})
            for s in seeds]  # fmt: skip
    if not quick:
        out += [Job(NAME, f"qlearning-epsilon{EPSILON_VARIANT}/seed{s}",
                    qlearn | {"seed": s, "epsilon": EPSILON_VARIANT}) for s in seeds]  # fmt: skip
    return out


def group(params: dict[str, Any]) -> str:
    """The summary entry of a job: ``ours``, ``qlearning`` (epsilon 0.2) or
    ``qlearning_epsilon_E`` for another epsilon."""
    if params["method"] != "qlearning" or params["epsilon"] == EPSILON:
        return str(params["method"])
    return f"qlearning_epsilon_{params['epsilon']}"


def run_job(params: dict[str, Any]) -> dict[str, Any]:
    if params["method"] == "ours":
        return run_ours(params)
    if params["method"] == "qlearning":
        return run_qlearning(params)
    raise ValueError(f"unknown method {params['method']!r}")


def _seed_figure(result: dict[str, Any]) -> int | str:
    """A seed's steps to optimal, else why there is none: "not solved", "cut" or "error"."""
    if "error" in result:
        return "error"
    figure = result.get("steps_to_optimal")
    return int(figure) if figure is not None else str(result.get("status", "not solved"))


def _group_summary(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    mine = sorted((r for r in rows if group(r["params"]) == name),
                  key=lambda r: r["params"]["seed"])  # fmt: skip
    figures = {r["params"]["seed"]: _seed_figure(r["result"]) for r in mine}
    solved = [v for v in figures.values() if isinstance(v, int)]
    errors = {r["key"]: r["result"]["error"] for r in mine if "error" in r["result"]}
    all_solved = bool(mine) and len(solved) == len(mine)
    return {"steps_to_optimal_by_seed": figures, "seeds": len(mine), "solved": len(solved),
            "median_steps_to_optimal": statistics.median(solved) if all_solved else "not solved",
            "median_over_solved_seeds": statistics.median(solved) if solved else None,
            "errors": errors}  # fmt: skip


def _groups(rows: list[dict[str, Any]]) -> list[str]:
    found = {group(r["params"]) for r in rows}
    return ["ours", "qlearning", *sorted(found - {"ours", "qlearning"})]


def summarize(rows: list[dict[str, Any]], out_dir: Path, quick: bool) -> dict[str, Any]:
    summary = {
        "figure": "env steps until the greedy policy is optimal from all 300 start states",
        "groups": _groups(rows),
        **{name: _group_summary(rows, name) for name in _groups(rows)},
        "qlearning_settings": {
            "alpha": ALPHA,
            "gamma": GAMMA,
            "epsilon": EPSILON,
            "variant_epsilon": EPSILON_VARIANT,
        },
        "published_not_measured_here": {"figures": PUBLISHED, "source": PUBLISHED_SOURCE},
    }
    plot(summary, out_dir / f"{NAME}{'-quick' if quick else ''}.png")
    return summary


def _bars(summary: dict[str, Any]) -> list[tuple[str, float | None, list[int], bool]]:
    """(label, bar height, per-seed points, measured) for each method."""
    bars: list[tuple[str, float | None, list[int], bool]] = []
    for name in summary["groups"]:
        m = summary[name]
        label = name.replace("qlearning_epsilon_", "Q-learning eps ").replace(
            "qlearning", f"Q-learning eps {EPSILON}"
        )
        points = [v for v in m["steps_to_optimal_by_seed"].values() if isinstance(v, int)]
        solved = f"{m['solved']}/{m['seeds']}"
        text = f"{label}\nmeasured, median\n" + (
            f"of {m['seeds']} seed{'s' * (m['seeds'] != 1)}"
            if m["solved"] == m["seeds"]
            else f"of the {solved} solved"
        )
        bars.append((text, m["median_over_solved_seeds"], points, True))
    bars += [(f"{k}\npublished,\nnot measured", float(v), [], False) for k, v in PUBLISHED.items()]
    return bars


def plot(summary: dict[str, Any], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = _bars(summary)
    fig, ax = plt.subplots(figsize=(8, 4.2))
    ax.set_yscale("log")
    for i, (_, value, points, measured) in enumerate(bars):
        if value is None:
            ax.text(i, 20, "not\nsolved", ha="center", va="bottom")
            continue
        ax.bar(i, value, color="C0" if measured else "white", edgecolor="C0" if measured else "C7",
               hatch=None if measured else "//")  # fmt: skip
        ax.scatter([i] * len(points), points, color="k", s=12, zorder=3)
        top = max([value, *points])
        ax.annotate(f"{value:,.0f}", (i, top), xytext=(0, 4), textcoords="offset points",
                    ha="center", va="bottom")  # fmt: skip
    ax.set_xticks(range(len(bars)), [b[0] for b in bars], fontsize=8)
    ax.set_xlim(-0.6, len(bars) - 0.4)
    ax.set_ylim(10, 2 * ax.get_ylim()[1])
    ax.set_ylabel("env steps (log scale)")
    ax.set_title("Taxi 5x5: env steps until the greedy policy is optimal from all 300 starts\n"
                 "solid: measured here (dots: seeds); hatched: Diuk et al. 2008, not measured here",
                 fontsize=9)  # fmt: skip
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=120)
    plt.close(fig)
