"""The entry points: the command line, the pytest plugin, and `python -m conformance.kit.local`."""
