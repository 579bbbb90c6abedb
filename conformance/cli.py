"""`gamifyhost-conformance`: check any implementation of the GamifyHost codes API against the contract."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

from .settings import OPTIONS, READ_ONLY_HELP, option_help


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="gamifyhost-conformance",
        description="Check whether an implementation of the GamifyHost codes API honours its contract. "
        "Exit status 0 iff it does.",
    )
    for name, (metavar, _help) in OPTIONS.items():
        cli.add_argument(f"--{name.replace('_', '-')}", metavar=metavar, help=option_help(name))
    cli.add_argument("--read-only", action="store_true", help=READ_ONLY_HELP)
    cli.add_argument("--junit-xml", metavar="PATH", help="also write a junit XML report (the secret masked)")
    return cli


def main() -> None:
    from .runner import run

    # Hypothesis caches what it learns under ./.hypothesis; a check of a deployment should leave
    # nothing in the directory it was started from.
    with tempfile.TemporaryDirectory(prefix="gamifyhost-conformance-") as scratch:
        os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", scratch)
        code = run(sys.argv[1:])
    sys.exit(code)
