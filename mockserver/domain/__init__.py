"""The domain: the records of the codes API and its rules (D2-D9), with no web and no storage import.

`Codes` acts through a `Store` (ports.py); the stores live in `mockserver.stores`.
"""

from .clock import Clock
from .codes import CodeDigester, CodeDrawer, CodeFormat, CodeSheet, Randomness
from .errors import ApiError
from .ports import PartnerSeed, Store
from .service import BatchPlan, Codes, Plan, Seed

__all__ = [
    "ApiError",
    "BatchPlan",
    "Clock",
    "CodeDigester",
    "CodeDrawer",
    "CodeFormat",
    "CodeSheet",
    "Codes",
    "PartnerSeed",
    "Plan",
    "Randomness",
    "Seed",
    "Store",
]
