"""The behaviour checks: each calls the target to show that one documented rule holds.

Importing this package registers them all, operation by operation.
"""

from . import access, batches, generate, redeem, stats, verify
from ._registry import BEHAVIOUR_CHECKS, BehaviourCheck, Context, Skip, behaviour
from .shared import Shared

__all__ = [
    "BEHAVIOUR_CHECKS",
    "BehaviourCheck",
    "Context",
    "Shared",
    "Skip",
    "access",
    "batches",
    "behaviour",
    "generate",
    "redeem",
    "stats",
    "verify",
]
