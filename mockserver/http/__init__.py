"""The HTTP app: routes compiled from openapi.yaml, the wire format, the admin API, the docs page."""
