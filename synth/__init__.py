"""Proposing, checking and refining world-model programs, offline and with an LLM.

    result = synthesize(Spec(data, prior=(Path("models/minigrid_prior.wc"),)), proposer="enum")
    result.text, result.consistent, result.optimistic, result.failing, result.cost

Proposers: "enum" (bottom-up enumeration + decision lists, offline default), "sketch" (holes
filled by the solver), "llm" (REx over whole programs from an OpenAI-compatible endpoint).
"""

from synth.score import Score, program_text, score
from synth.spec import Budget, Cost, Optimism, Result, Spec
from synth.synthesize import PROPOSERS, synthesize

__all__ = [
    "PROPOSERS", "Budget", "Cost", "Optimism", "Result", "Score", "Spec", "program_text", "score",
    "synthesize",
]  # fmt: skip
