"""The HTTP app: one dispatch of the spec's operations, the wire format, the admin API, the docs page."""
