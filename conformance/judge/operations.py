"""The operations the suite checks, by the short names of `--operations` and the pytest markers.

Adding an operation is one `Operation` here, its checks in `conformance/judge/checks/`, its
probes in `conformance/sources/active/probes/`, and its tests; `--operations`, the markers and
the reports follow. An operation whose contract the
spec marks `x-mock-decision: inferred` (redeem: the docs give only its path) is checked only
when `--operations` names it, and every report calls its checks checks of an inferred contract.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

INFERRED = "inferred contract"


@dataclass(frozen=True)
class Operation:
    """One operation of openapi.yaml as the suite names it."""

    name: str  # the `--operations` value and the pytest marker
    operation_id: str
    method: str
    path: str
    creates: bool  # sending it may create something on the target (a batch, a redemption)
    inferred: bool = False  # only the path is documented: checked only on request

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def title(self) -> str:
        """The label, saying when the contract checked is an inferred one."""
        return f"{self.label} ({INFERRED})" if self.inferred else self.label

    def matches(self, method: str, url_path: str) -> bool:
        """Whether a request (its method and URL path, behind any base path) is one of this operation's."""
        return method.upper() == self.method and _path_pattern(self.path).search(url_path) is not None


@lru_cache
def _path_pattern(template: str) -> re.Pattern[str]:
    """`/v1/campaigns/{slug}/redeem` as a pattern matching the end of a URL path."""
    return re.compile("".join(_segment(part) for part in re.split(r"(\{[^}/]+\})", template)) + "$")


def _segment(part: str) -> str:
    return "[^/]+" if part.startswith("{") else re.escape(part)


OPERATIONS: tuple[Operation, ...] = (
    Operation("generate", "generateCodes", "POST", "/v1/campaigns/codes/generate", creates=True),
    Operation("batches", "listCodeBatches", "GET", "/v1/campaigns/codes/batches", creates=False),
    Operation("verify", "verifyCode", "POST", "/v1/campaigns/codes/verify", creates=False),
    Operation("stats", "getCodeStats", "GET", "/v1/campaigns/codes/stats", creates=False),
    Operation("redeem", "redeemCode", "POST", "/v1/campaigns/{slug}/redeem", creates=True, inferred=True),
)

BY_NAME = {operation.name: operation for operation in OPERATIONS}
BY_OPERATION_ID = {operation.operation_id: operation for operation in OPERATIONS}
# What a run checks when `--operations` is not given: every documented operation.
DEFAULT_OPERATION_NAMES = tuple(operation.name for operation in OPERATIONS if not operation.inferred)

GENERATE = BY_NAME["generate"]
BATCHES = BY_NAME["batches"]
VERIFY = BY_NAME["verify"]
STATS = BY_NAME["stats"]
REDEEM = BY_NAME["redeem"]


def operation_of(method: str, url_path: str) -> Operation | None:
    """The operation a request (its method and URL path, behind any base path) is one of."""
    return next((operation for operation in OPERATIONS if operation.matches(method, url_path)), None)


def parse_operation_names(text: str) -> tuple[str, ...]:
    """`generate,batches` as a tuple of known names; ValueError names the unknown ones."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in BY_NAME]
    if unknown or not names:
        known = ", ".join(BY_NAME)
        raise ValueError(f"unknown operation(s) {', '.join(unknown) or '(none given)'}; known: {known}")
    return names


def describe_operations(names: tuple[str, ...]) -> str:
    """`generate, batches, redeem (inferred contract)` for a heading."""
    return ", ".join(f"{name} ({INFERRED})" if BY_NAME[name].inferred else name for name in names)
