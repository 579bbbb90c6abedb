"""What a running mock holds, as `app.state`.

Its contract, its fixtures, the domain over its store, its faults and its journal.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..contract.fixtures import Fixtures
from ..contract.spec import Spec
from ..domain.service import Codes
from .admin_token import AdminToken
from .faults import Faults
from .journal import Journal


@dataclass(slots=True, eq=False)
class MockState:
    """A plain class rather than Starlette's `State`, which finds each attribute through Python code."""

    spec: Spec
    fixtures: Fixtures
    codes: Codes
    faults: Faults
    journal: Journal
    # The bearer token `/__mock/` asks for (--admin-token); None: the admin API is open.
    admin_token: AdminToken | None = None
    # When a write last found that another process had changed the store (dispatch.py).
    moved_at: float = float("-inf")
    # Lines logged once the server listens: where the API, the dashboard and the docs are.
    announce: tuple[str, ...] = ()

    def reset(self) -> None:
        """Back to the loaded fixtures: the store's data, failure draws started over, an empty journal."""
        self.codes.reset()
        self.faults.reseed()
        self.journal.clear()
