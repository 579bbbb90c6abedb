"""Where the judge's exchanges come from: the active run (`active`), recorded HAR files (`har`), and
live traffic through the checking proxy (`proxy`). Each leaves a `Session` for the reports."""

from .session import Session
from .settings import Settings, SettingsError, resolve

__all__ = ["Session", "Settings", "SettingsError", "resolve"]
