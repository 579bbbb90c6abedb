"""A conformance suite for implementations of the GamifyHost codes API.

`run(argv)` checks a target, printing as it goes and the summary at the end (the console script
`gamifyhost-conformance` wraps it); `evaluate(argv, app=...)` returns a `Report`, and can run an
ASGI app in process. The catalogue of the rules it asserts is `conformance.rules.RULES`.
"""

from .runner import Report, evaluate, run
from .settings import Settings

__all__ = ["Report", "Settings", "evaluate", "run"]
