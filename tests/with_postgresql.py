"""`python tests/with_postgresql.py COMMAND ...`: run COMMAND with a PostgreSQL database to use.

The database is the one GAMIFYHOST_TEST_POSTGRESQL names; without it, a throwaway server of the
machine's PostgreSQL programs, started for the command and removed after it, as the test
session does (stores_kit.ThrowawayServer). An argument `POSTGRESQL_URL` of COMMAND becomes the
database's URL, and the variable is set for it: `tox -e conformance-postgresql` runs
`python -m conformance.kit.local --store POSTGRESQL_URL` through this.
"""

from __future__ import annotations

import os
import subprocess
import sys

from stores_kit import ENVIRONMENT, NO_POSTGRESQL, ThrowawayServer

PLACEHOLDER = "POSTGRESQL_URL"


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    server = None
    url = os.environ.get(ENVIRONMENT)
    if not url:
        server = ThrowawayServer()
        url = server.start()
        if url is None:
            print(NO_POSTGRESQL, file=sys.stderr)
            return 2
        print(f"with_postgresql: a throwaway PostgreSQL server at {url}", flush=True)
    try:
        argv = [url if part == PLACEHOLDER else part for part in command]
        return subprocess.run(argv, env={**os.environ, ENVIRONMENT: url}).returncode
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
