"""WorldCoder's benchmark suite: bench modules, their runner and their recorded results.

    from bench import BENCHES, Job, run_suite
    run_suite(["throughput"], quick=True, workers=2)      # what `worldcoder-bench` does

Each bench module (`bench/<name>.py`) lists its independent jobs, runs one job in a worker
process and summarises the finished jobs into `bench/results/<name>.json` and PNG plots; see
`bench.suite` for the contract and `bench/README.md` for every recorded figure and the command
that reproduces it. The older single-file scripts (`learn_bench.py`, `solver_bench.py`,
`step_speed.py`, `synth_bench.py`, `validate_models.py`) still run on their own.
"""

from bench.suite import BENCHES, Job, run_suite

__all__ = ["BENCHES", "Job", "run_suite"]
