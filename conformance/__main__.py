"""`python -m conformance`: the console script `gamifyhost-conformance`."""

from .kit.cli import main

main()
