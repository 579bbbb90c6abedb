"""The checks the judge runs: one module per part of the contract, each check a `Check` the
catalogue (conformance/judge/rules.py) names."""

from . import access, batches, counts, envelope, generate, isolation, redeem, schema, stats, verify
from ._registry import Answers, Check, check

__all__ = [
    "Answers",
    "Check",
    "access",
    "batches",
    "check",
    "counts",
    "envelope",
    "generate",
    "isolation",
    "redeem",
    "schema",
    "stats",
    "verify",
]
