"""What a running mock holds, as `app.state`: its contract, fixtures, backend, faults and journal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .backend import CodesBackend
from .faults import Faults
from .fixtures import Fixtures
from .journal import Journal
from .spec import Spec
from .state_file import StateSaver


@dataclass(slots=True, eq=False)
class MockState:
    """A plain class rather than Starlette's `State`, which finds each attribute through Python code.

    `backend` is replaced by a reset (`new_backend()`); everything else stays for the app's life.
    """

    spec: Spec
    fixtures: Fixtures
    new_backend: Callable[[], CodesBackend]
    backend: CodesBackend
    faults: Faults
    journal: Journal
    saver: StateSaver | None = None

    def reset(self) -> None:
        """Back to the loaded fixtures: a fresh backend, failure draws started over, an empty journal."""
        self.backend = self.new_backend()
        self.faults.reseed()
        self.journal.clear()
