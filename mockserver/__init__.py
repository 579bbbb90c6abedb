"""A stateful mock server of the GamifyHost codes API, driven by openapi.yaml."""

from .app import create_app
from .backend import CodesBackend
from .codes import Randomness
from .domain import Clock
from .errors import ApiError
from .fixtures import FixtureError, load_fixtures
from .spec import Spec, load_spec

__all__ = [
    "ApiError",
    "Clock",
    "CodesBackend",
    "FixtureError",
    "Randomness",
    "Spec",
    "create_app",
    "load_fixtures",
    "load_spec",
]
