"""The container tests' session: the programs they need, the image built once, and its figures,
printed at the end of the run."""

from __future__ import annotations

import podman_kit
import pytest

FIGURES = podman_kit.FIGURES_OF_TESTS


@pytest.fixture(scope="session")
def image() -> str:
    """The image, built from the Containerfile on the local base, once per session."""
    missing = podman_kit.missing_programs()
    assert not missing, podman_kit.MISSING.format(", ".join(missing))
    base, base_seconds = podman_kit.base_image()
    FIGURES["base image"] = (
        f"{base}, made now in {base_seconds:.1f} s" if base_seconds else f"{base}, kept from an earlier run"
    )
    seconds = podman_kit.build(base)
    FIGURES["build"] = f"podman build of the Containerfile: {seconds:.1f} s"
    size = podman_kit.image_size()
    FIGURES["image size"] = f"{podman_kit.IMAGE}: {size / 1e6:.0f} MB ({size:,} bytes)"
    return podman_kit.IMAGE


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("container figures")
        for name, figure in FIGURES.items():
            terminalreporter.write_line(f"{name}: {figure}")
