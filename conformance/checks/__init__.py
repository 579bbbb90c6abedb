"""The suite's named response checks; importing this package registers them all."""

from . import batches, envelope, generate, redeem, stats, verify
from ._registry import RESPONSE_CHECKS, Answers, ResponseCheck, Violation, checks_for, response_check

__all__ = [
    "RESPONSE_CHECKS",
    "Answers",
    "ResponseCheck",
    "Violation",
    "batches",
    "checks_for",
    "envelope",
    "generate",
    "redeem",
    "response_check",
    "stats",
    "verify",
]
