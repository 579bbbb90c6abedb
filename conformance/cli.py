"""`gamifyhost-conformance`: check any implementation of the GamifyHost codes API against the contract."""

from __future__ import annotations

import argparse
import sys

from .settings import INPUTS, READ_ONLY_HELP


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="gamifyhost-conformance",
        description="Check whether an implementation of the GamifyHost codes API honours its documented "
        "contract. Exit status 0 iff it does, 1 if it does not, 2 for a usage error.",
    )
    for item in INPUTS:
        cli.add_argument(item.option, dest=item.name, metavar=item.metavar, help=item.describe())
    cli.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)
    return cli


def main() -> None:
    from .runner import run

    sys.exit(run(sys.argv[1:]))
