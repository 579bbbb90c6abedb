"""Faults for GamifyHost routes: `Prefer: code=NNN` and `delay=MS`, `--latency-ms`, `--error-rate`.

`Prefer` follows Stoplight Prism's use of RFC 7240: preferences the mock does not know are
ignored, known ones with a bad value are a 400.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

from ..domain.errors import BadRequest, InjectedError, ServiceUnavailable

MAX_DELAY_MS = 30_000
INJECTED_FAILURE = "Service unavailable (injected by --error-rate)"


@dataclass(frozen=True)
class Preference:
    """What a request's `Prefer` headers ask of the mock."""

    code: int | None = None
    delay_ms: int = 0


def parse_prefer(values: list[str]) -> Preference:
    """The `code` and `delay` preferences of one or more `Prefer` header values."""
    code, delay_ms = None, 0
    for item in ",".join(values).split(","):
        name, _, value = item.partition(";")[0].partition("=")
        name, value = name.strip().lower(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        if name == "code":
            code = _bounded(value, 400, 599, "code must be an HTTP error status, 400 to 599")
        elif name == "delay":
            delay_ms = _bounded(value, 0, MAX_DELAY_MS, f"delay must be 0 to {MAX_DELAY_MS} milliseconds")
    return Preference(code, delay_ms)


def _bounded(value: str, low: int, high: int, rule: str) -> int:
    # The length first: int() refuses thousands of digits with a ValueError, which would be a 500.
    digits = value.lstrip("0")
    if not (value.isascii() and value.isdigit() and len(digits) <= 9 and low <= int(value) <= high):
        raise BadRequest(f"Invalid Prefer header: {rule}")
    return int(value)


class Faults:
    """Latency and failures added to GamifyHost requests, configured or asked for."""

    def __init__(self, latency_ms: int = 0, error_rate: float = 0.0, seed: int | None = None) -> None:
        if not 0 <= latency_ms <= MAX_DELAY_MS:
            raise ValueError(f"latency must be 0 to {MAX_DELAY_MS} ms, not {latency_ms}")
        if not 0.0 <= error_rate <= 1.0:
            raise ValueError(f"error rate must be between 0 and 1, not {error_rate}")
        self.latency_ms = latency_ms
        self.error_rate = error_rate
        # Whether a request that asks for nothing (no `Prefer` header) goes on untouched.
        self.idle = not (latency_ms or error_rate)
        self._seed = seed
        self.reseed()

    def reseed(self) -> None:
        """Start the failure draws over, from the seed if there is one."""
        # A generator of its own, so injected failures never shift the codes and ids drawn.
        self._chaos = random.Random(None if self._seed is None else f"gamifyhost-mock chaos {self._seed}")

    async def apply(self, prefer: list[str]) -> None:
        """Wait, then fail as configured or as the `Prefer` values ask; returning lets the request go on."""
        preference = parse_prefer(prefer)
        delay_ms = self.latency_ms + preference.delay_ms
        if delay_ms:
            await asyncio.sleep(delay_ms / 1000)
        if preference.code is not None:
            raise InjectedError(preference.code)
        if self.error_rate and self._chaos.random() < self.error_rate:
            raise ServiceUnavailable(INJECTED_FAILURE)
