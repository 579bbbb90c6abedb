"""The operations the suite checks, by the short names of `--operations` and the pytest markers.

Adding an operation (verify, stats, redeem) is one `Operation` here, its response checks in
`conformance/checks/`, and its tests; the markers, `--operations` and the summary follow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Operation:
    """One operation of openapi.yaml as the suite names it."""

    name: str  # the `--operations` value and the pytest marker
    operation_id: str
    method: str
    path: str
    creates: bool  # sending it may create something on the target (a batch, a redemption)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


OPERATIONS: tuple[Operation, ...] = (
    Operation("generate", "generateCodes", "POST", "/v1/campaigns/codes/generate", creates=True),
    Operation("batches", "listCodeBatches", "GET", "/v1/campaigns/codes/batches", creates=False),
)

BY_NAME = {operation.name: operation for operation in OPERATIONS}
BY_OPERATION_ID = {operation.operation_id: operation for operation in OPERATIONS}

GENERATE = BY_NAME["generate"]
BATCHES = BY_NAME["batches"]

# The marker of tests that create something; `--read-only` skips them.
CREATES_MARKER = "creates"


def parse_operation_names(text: str) -> tuple[str, ...]:
    """`generate,batches` as a tuple of known names; ValueError names the unknown ones."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in BY_NAME]
    if unknown or not names:
        known = ", ".join(BY_NAME)
        raise ValueError(f"unknown operation(s) {', '.join(unknown) or '(none given)'}; known: {known}")
    return names
