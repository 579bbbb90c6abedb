"""The suite under pytest: `pytest --pyargs conformance --gh-base-url URL --gh-api-secret KEY --gh-slug SLUG`.

One test per probe (per case) and per operation and phase of generated requests;
conformance/kit/plugin.py makes them. The console script `gamifyhost-conformance` runs the same
checks, concurrently where their order does not matter.
"""

from __future__ import annotations

from typing import Any

from .plugin import run_unit


def test_conformance(conformance_run: Any, conformance_unit: Any) -> None:
    run_unit(conformance_run, conformance_unit)
