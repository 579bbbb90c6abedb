"""The server's logging: uvicorn's own configuration, with every secret-shaped text masked.

Secrets travel in a header, which uvicorn does not log; but a client may put one in the URL,
which the access log prints, and an error may quote one. Every handler filters its records.
"""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG

from .journal import mask_secrets_in


class SecretMasking(logging.Filter):
    """Masks secrets in a record's message, arguments and traceback before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_secrets_in(str(record.msg))  # what getMessage() would format
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _masked(value) for key, value in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_secrets_in(logging.Formatter().formatException(record.exc_info))
        return True


def _masked(value: Any) -> Any:
    return mask_secrets_in(value) if isinstance(value, str) else value


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, its handlers filtered, the mock's own logger included."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"mask_secrets": {"()": SecretMasking}}
    for handler in config["handlers"].values():
        handler["filters"] = ["mask_secrets"]
    config["loggers"]["mockserver"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config
