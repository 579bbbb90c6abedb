"""A conformance suite for implementations of the GamifyHost codes API (see the README)."""
