"""A stateful mock server of the GamifyHost codes API, driven by openapi.yaml."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .admin_client import AdminClient as AdminClient
    from .admin_client import AdminError as AdminError
    from .app import create_app as create_app
    from .backend import CodesBackend as CodesBackend
    from .codes import Randomness as Randomness
    from .domain import Clock as Clock
    from .errors import ApiError as ApiError
    from .fixtures import FixtureError as FixtureError
    from .fixtures import load_fixtures as load_fixtures
    from .live import RunningMock as RunningMock
    from .live import running as running
    from .spec import Spec as Spec
    from .spec import load_spec as load_spec
    from .state_file import StateFileError as StateFileError

# Imported on first use: every pytest run in an environment with this package loads its plugin,
# which should cost those runs next to nothing.
_EXPORTS = {
    "AdminClient": ".admin_client",
    "AdminError": ".admin_client",
    "ApiError": ".errors",
    "Clock": ".domain",
    "CodesBackend": ".backend",
    "FixtureError": ".fixtures",
    "Randomness": ".codes",
    "RunningMock": ".live",
    "Spec": ".spec",
    "StateFileError": ".state_file",
    "create_app": ".app",
    "load_fixtures": ".fixtures",
    "load_spec": ".spec",
    "running": ".live",
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
