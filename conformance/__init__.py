"""A conformance suite for implementations of the GamifyHost codes API.

`run(argv)` checks a target and prints the summary (the console script `gamifyhost-conformance`
wraps it); `evaluate(argv, app=...)` returns a `Report`, and can run an ASGI app in process. The
same suite runs as `pytest --pyargs conformance --gh-base-url URL ...`.
"""

from .runner import Report, evaluate, run
from .settings import Settings

__all__ = ["Report", "Settings", "evaluate", "run"]
