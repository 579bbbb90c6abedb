"""The active run: the suite sends its own requests (probes, and schemathesis's generated ones), and
hands every answer to the judge."""

from __future__ import annotations

import os
import tempfile
from typing import TYPE_CHECKING, Any

from ..session import Session
from ..settings import Settings
from ._threads import compiling_one_at_a_time

if TYPE_CHECKING:
    from .run import Progress

__all__ = ["run_active"]


def run_active(settings: Settings, *, app: Any = None, progress: Progress | None = None) -> Session:
    """Run the suite against the target; `app` runs an ASGI application in process."""
    # Loaded here, not with the package: judging a HAR or a proxy's traffic needs neither
    # schemathesis nor hypothesis, which take most of a second to import.
    from .run import Run

    # Hypothesis would keep what it learns under ./.hypothesis: a check of a deployment leaves
    # nothing in the directory it was started from.
    with tempfile.TemporaryDirectory(prefix="gamifyhost-conformance-") as scratch:
        previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = scratch
        try:
            with compiling_one_at_a_time():
                return Run(settings, app, progress).execute()
        finally:
            if previous is None:
                os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
            else:
                os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
