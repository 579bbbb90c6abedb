"""`python bench/judge_har.py FILE SECRET`: judge a HAR file as `gamifyhost-conformance --har` does, in
this process alone, and print its exit status, the exchanges judged, the seconds it took and the
peak memory of the process in bytes (bench/run.py reads them)."""

from __future__ import annotations

import resource
import sys
import time

from conformance.kit.cli import evaluate


def main(path: str, secret: str) -> None:
    started = time.perf_counter()
    report = evaluate(["--har", path, "--api-secret", secret], environ={})
    took = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    judged = report.judge.books.judged if report.judge is not None else 0
    print(report.exit_code, judged, f"{took:.3f}", peak)
    if report.exit_code:
        print(report.summary[-3000:], file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
