"""`python -m conformance`: the console script `gamifyhost-conformance`."""

from .cli import main

main()
