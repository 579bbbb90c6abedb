"""What any source leaves for the reports: the judge's books, and what the source itself knows (what
the active run sent and why a probe could not go on; which files a HAR run read)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..judge import Judge
from .settings import Settings

if TYPE_CHECKING:
    from .active.target import Traffic

CONFORMS, BROKEN, USAGE, UNREACHABLE = 0, 1, 2, 3  # the exit statuses


@dataclass
class ProbeOutcome:
    """How a probe of the active run went: ran, or skipped and why (and what input would let it)."""

    shows: tuple[str, ...]  # the ids of the rules whose traffic it makes
    ran: int = 0
    skipped: str = ""
    needs: str = ""


@dataclass
class Session:
    settings: Settings
    judge: Judge
    seed: int | None = None
    traffic: Traffic | None = None  # the active run's requests, and what they created
    probes: dict[tuple[str, str], ProbeOutcome] = field(default_factory=dict)  # (operation, probe)
    preflight_failure: str | None = None  # why the active run checked nothing
    unreachable: str | None = None  # why the target could not be asked anything
    sources: tuple[str, ...] = ()  # what was read (HAR files)

    @property
    def conforms(self) -> bool:
        return self.judge.conforms and self.preflight_failure is None and self.unreachable is None

    @property
    def exit_code(self) -> int:
        if self.unreachable is not None:
            return UNREACHABLE
        return CONFORMS if self.conforms else BROKEN
