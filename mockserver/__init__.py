"""A stateful mock server of the GamifyHost codes API, driven by openapi.yaml.

The package is in rooms, arrows only downward (pyproject.toml's import contracts hold them):
`domain` (the records, the rules and the events of every write; no web and no storage import),
`stores` (where state is kept: memory, SQLite, PostgreSQL) beside `contract` (openapi.yaml, the
fixtures, time as the API writes it), `http` (the app: one dispatch of the operations, the wire
format, the admin API) and `kit` (what integrators use: the command line, the pytest plugin,
`running()`, the admin client). docs/adding-an-operation.md walks through them. What may be
imported from here is below.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .contract.fixtures import FixtureError as FixtureError
    from .contract.fixtures import load_fixtures as load_fixtures
    from .contract.spec import Spec as Spec
    from .contract.spec import load_spec as load_spec
    from .domain.clock import Clock as Clock
    from .domain.codes import Randomness as Randomness
    from .domain.errors import ApiError as ApiError
    from .domain.service import Codes as Codes
    from .http.app import create_app as create_app
    from .kit.admin_client import AdminClient as AdminClient
    from .kit.admin_client import AdminError as AdminError
    from .kit.live import RunningMock as RunningMock
    from .kit.live import running as running
    from .kit.tenant import Tenant as Tenant
    from .kit.tenant import new_tenant as new_tenant
    from .stores import StoreError as StoreError
    from .stores import open_store as open_store

# Imported on first use: every pytest run in an environment with this package loads its plugin,
# which should cost those runs next to nothing.
_EXPORTS = {
    "AdminClient": ".kit.admin_client",
    "AdminError": ".kit.admin_client",
    "ApiError": ".domain.errors",
    "Clock": ".domain.clock",
    "Codes": ".domain.service",
    "FixtureError": ".contract.fixtures",
    "Randomness": ".domain.codes",
    "RunningMock": ".kit.live",
    "Spec": ".contract.spec",
    "StoreError": ".stores",
    "Tenant": ".kit.tenant",
    "create_app": ".http.app",
    "load_fixtures": ".contract.fixtures",
    "load_spec": ".contract.spec",
    "new_tenant": ".kit.tenant",
    "open_store": ".stores",
    "running": ".kit.live",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name], __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
