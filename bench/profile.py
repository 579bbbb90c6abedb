"""Where a mock process spends its time under load: py-spy samples it while wrk drives it.

    python bench/profile.py [--store memory|sqlite|postgresql] [--operation generate|list]
                            [--seconds 15] [--top 15]

Starts the mock on the bench's fixtures and the store named (PostgreSQL: the server
GAMIFYHOST_BENCH_POSTGRESQL or GAMIFYHOST_TEST_POSTGRESQL names, in a schema of its own), loads
it with wrk at 16 connections, samples every thread of it with py-spy (pip install py-spy; it
needs to trace the process: root, or ptrace allowed), and prints the functions that were on CPU
most (self) and the ones most often on the stack (total), as shares of the samples. Everything
runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from run import (
    GENERATE_PATH,
    LIST_PATH,
    CouldNotMeasure,
    free_port,
    mock_command,
    server,
    store_url,
    write_fixtures,
    wrk,
)

IDLE = ("select", "epoll", "poll", "wait", "_worker", "sleep", "acquire", "run_forever")


def frames(line: str) -> tuple[list[str], int]:
    """A sample line of py-spy's raw output: its frames, outermost first, and its count; ([], 0)
    for a line that is not one (py-spy writes a stack it could not read whole as it came)."""
    stack, _, count = line.rpartition(" ")
    if not count.isdigit():
        return [], 0
    return [frame for frame in stack.split(";") if frame], int(count)


def main() -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--store", default="sqlite", choices=("memory", "sqlite", "postgresql"))
    options.add_argument("--operation", default="generate", choices=("generate", "list"))
    options.add_argument("--seconds", type=int, default=15)
    options.add_argument("--top", type=int, default=15)
    args = options.parse_args()
    for program in ("wrk", "py-spy"):
        if shutil.which(program) is None:
            print(f"profile: {program} is not installed", file=sys.stderr)
            return 2
    path, body = (
        (GENERATE_PATH, {"slug": "bench-gen", "batchSize": 100, "pointsValue": 5})
        if args.operation == "generate"
        else (LIST_PATH, None)
    )
    with tempfile.TemporaryDirectory() as work:
        fixtures = write_fixtures(Path(work))
        with store_url(args.store, Path(work)) as url:
            if url is None:
                raise CouldNotMeasure("set GAMIFYHOST_BENCH_POSTGRESQL")
            port = free_port()
            raw = Path(work) / "samples.txt"
            with server(mock_command(port, fixtures, url), port) as (process, _):
                rate: list[float] = []
                load = threading.Thread(target=lambda: rate.append(wrk(port, path, args.seconds + 2, body)))
                load.start()
                subprocess.run(
                    ["py-spy", "record", "--pid", str(process.pid), "--duration", str(args.seconds),
                     "--rate", "200", "--format", "raw", "--output", str(raw), "--threads", "--nonblocking"],
                    capture_output=True, check=True, timeout=args.seconds + 60,
                )  # fmt: skip
                load.join()
            own: collections.Counter[str] = collections.Counter()
            anywhere: collections.Counter[str] = collections.Counter()
            busy = 0
            for line in raw.read_text().splitlines():
                stack, count = frames(line)
                if not stack or any(word in stack[-1] for word in IDLE):
                    continue  # a thread waiting: not where the time goes
                busy += count
                own[stack[-1]] += count
                for frame in set(stack):
                    anywhere[frame] += count
    print(f"{args.store}, {args.operation}: {rate[0]:,.0f} requests/s under py-spy; {busy} busy samples")
    for title, counter in (("self", own), ("total", anywhere)):
        print(f"-- {title}")
        for frame, count in counter.most_common(args.top):
            print(f"{100 * count / max(busy, 1):5.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
