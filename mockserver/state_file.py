"""`--state-file`: the mock's run-time state in a JSON file, so that it survives a restart.

The file holds what changes at run time (batches with their counters, codes as keyed digests
with their key, never a code; redeemed and revoked digests; the clock's offset). The fixtures
still define partners, keys and campaigns. It is written atomically (a temporary file, then
`os.replace`) by a background task at most every SAVE_INTERVAL seconds after a change, and
once more on shutdown; it is read at start-up.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import logging
import os
import sys
import tempfile
import threading
from array import array
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import orjson

from .backend import CodesBackend
from .domain import Environment, SavedBatch, Snapshot
from .timestamps import format_timestamp, parse_timestamp

FORMAT = "gamifyhost-mock-state/2"  # 2: codes digested with AES-256 (1: BLAKE2b)
SAVE_INTERVAL = 0.5
logger = logging.getLogger("mockserver")

_TIMESTAMP_FIELDS = ("expires_at", "created_at")
_NOT_BATCH_FIELDS = ("partner_id", "environment", "campaign", "digests")  # the rest are Batch fields
_STRING = {"type": "string"}
_COUNT = {"type": "integer", "minimum": 0}
_DIGESTS = {"type": "string"}  # base64 of big-endian 64-bit digests
_BATCH_PROPERTIES = {
    "partner_id": _STRING,
    "environment": {"enum": [environment.value for environment in Environment]},
    "campaign": _STRING,
    "id": _STRING,
    "batch_size": {"type": "integer", "minimum": 1},
    "points_value": {"type": "integer", "minimum": 1},
    "label": {"type": ["string", "null"]},
    "expires_at": {"type": ["string", "null"]},
    "created_at": _STRING,
    "sequence": _COUNT,
    "revoked": {"type": "boolean"},
    "redeemed_count": _COUNT,
    "revoked_count": _COUNT,
    "digests": _DIGESTS,
}
_PROPERTIES = {
    "format": {"const": FORMAT},
    "digest_key": {"type": "string", "pattern": "^[0-9a-f]{64}$"},  # an AES-256 key
    "sequence": _COUNT,
    "clock_offset_seconds": {"type": "number", "minimum": -1e11, "maximum": 1e11},
    "batches": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": _BATCH_PROPERTIES,
            "required": list(_BATCH_PROPERTIES),
            "additionalProperties": False,
        },
    },
    "redeemed": _DIGESTS,
    "revoked": _DIGESTS,
}
_SCHEMA = {"type": "object", "properties": _PROPERTIES, "required": list(_PROPERTIES)}
_VALIDATOR = jsonschema.Draft202012Validator({**_SCHEMA, "additionalProperties": False})


class StateFileError(Exception):
    """A state file the mock cannot start from."""


def encode(snapshot: Snapshot) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "digest_key": snapshot.digest_key.hex(),
        "sequence": snapshot.sequence,
        "clock_offset_seconds": snapshot.clock_offset.total_seconds(),
        "batches": [_encode_batch(saved) for saved in snapshot.batches],
        "redeemed": _pack(snapshot.redeemed),
        "revoked": _pack(snapshot.revoked),
    }


def decode(document: Any) -> Snapshot:
    """The snapshot a state file's JSON holds; ValueError naming the place of the first problem."""
    written_as = document.get("format") if isinstance(document, dict) else None
    if (
        isinstance(written_as, str)
        and written_as.startswith("gamifyhost-mock-state/")
        and written_as != FORMAT
    ):
        raise ValueError(
            f"format: written as {written_as} by another version of the mock, which reads {FORMAT}"
        )
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(document))
    if error is not None:
        place = ".".join(str(part) for part in error.absolute_path) or "top level"
        raise ValueError(f"{place}: {error.message}")
    return Snapshot(
        digest_key=bytes.fromhex(document["digest_key"]),
        sequence=document["sequence"],
        batches=[_decode_batch(i, record) for i, record in enumerate(document["batches"])],
        redeemed=frozenset(_unpack(document["redeemed"], "redeemed")),
        revoked=frozenset(_unpack(document["revoked"], "revoked")),
        clock_offset=timedelta(seconds=document["clock_offset_seconds"]),
    )


def _encode_batch(saved: SavedBatch) -> dict[str, Any]:
    partner_id, environment, slug = saved.campaign
    fields = {
        name: format_timestamp(value) if isinstance(value, datetime) else value
        for name, value in saved.fields.items()
    }
    campaign = {"partner_id": partner_id, "environment": environment.value, "campaign": slug}
    return {**campaign, **fields, "digests": _pack(saved.digests)}


def _decode_batch(index: int, record: dict[str, Any]) -> SavedBatch:
    fields = {name: value for name, value in record.items() if name not in _NOT_BATCH_FIELDS}
    for name in _TIMESTAMP_FIELDS:
        if fields[name] is not None:
            fields[name] = parse_timestamp(fields[name])
    return SavedBatch(
        campaign=(record["partner_id"], Environment(record["environment"]), record["campaign"]),
        fields=fields,
        digests=_unpack(record["digests"], f"batches.{index}.digests"),
    )


def _pack(digests: Iterable[int]) -> str:
    packed = array("Q", digests)
    if sys.byteorder == "little":  # the file is big-endian wherever it was written
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(text: str, place: str) -> list[int]:
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error:
        raise ValueError(f"{place}: not base64") from None
    if len(raw) % 8:
        raise ValueError(f"{place}: not a whole number of 8-byte digests")
    packed = array("Q", raw)
    if sys.byteorder == "little":
        packed.byteswap()
    return packed.tolist()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a reader sees the old file or the new one, never half."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


class StateSaver:
    """Keeps one state file in step with the app's current backend."""

    def __init__(
        self, path: Path, current: Callable[[], CodesBackend], interval: float = SAVE_INTERVAL
    ) -> None:
        self.path = path
        self._current = current
        self._interval = interval
        self._lock = threading.Lock()
        self._saved: tuple[object, ...] | None = None  # what the file holds: backend, revision, offset

    def load(self) -> None:
        """Restore the current backend from the file, if there is one; StateFileError if unusable."""
        if not self.path.exists():
            if not self.path.parent.is_dir():
                raise StateFileError(f"{self.path}: its directory does not exist")
            return
        try:
            snapshot = decode(orjson.loads(self.path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ValueError, OverflowError) as error:
            raise StateFileError(f"{self.path}: not a state file of this mock: {error}") from None
        backend = self._current()
        try:
            backend.restore(snapshot)
        except ValueError as error:
            raise StateFileError(f"{self.path}: does not match the fixtures: {error}") from None
        self._saved = self._marker(backend)

    def save_if_changed(self) -> bool:
        """Write the file if the backend changed since the last write; True if it did."""
        with self._lock:  # one writer at a time, each with a snapshot taken after the last write
            backend = self._current()
            marker = self._marker(backend)
            if marker == self._saved:
                return False
            write_atomically(self.path, orjson.dumps(encode(backend.snapshot())))
            self._saved = marker
            return True

    @contextlib.asynccontextmanager
    async def lifespan(self, _app: object) -> AsyncIterator[None]:
        """Save in the background while the app runs, and once more when it stops."""
        task = asyncio.create_task(self._keep_saving())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await asyncio.to_thread(self.save_if_changed)

    async def _keep_saving(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await asyncio.to_thread(self.save_if_changed)
            except OSError as error:
                logger.error("could not write the state file %s: %s", self.path, error)

    @staticmethod
    def _marker(backend: CodesBackend) -> tuple[object, ...]:
        # The revision is read before any snapshot, so a change racing a write is written next time.
        return (backend, backend.revision, backend.clock.offset)
