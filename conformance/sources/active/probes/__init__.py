"""The probes of the active run: each sends the traffic that shows some rules of the catalogue.

Importing this package registers them all, operation by operation.
"""

from . import access, batches, generate, redeem, stats, verify
from ._registry import PROBES, Probe, Skip, probe
from .shared import Context, Shared

__all__ = [
    "PROBES",
    "Context",
    "Probe",
    "Shared",
    "Skip",
    "access",
    "batches",
    "generate",
    "probe",
    "redeem",
    "stats",
    "verify",
]
