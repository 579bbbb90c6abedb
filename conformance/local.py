"""`python -m conformance.local [options]`: start the mock on a free port and check it over HTTP.

For `tox -e conformance` and a quick look at what the suite reports: the mock serves its bundled
fixtures, and the suite runs as Acme on `summer-promo`, with every input the fixtures give
something to point at: Globex as the foreign partner (its campaign `winter-sale` and its
secret), Acme's LIVE secret, its revoked secret, Initech's inactive application, and the ended
and paused campaigns. Options are those of `gamifyhost-conformance`; given ones win over these.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .cli import main as cli_main

DEFAULTS = {
    "--api-secret": "sk_test_acme_mock_secret",
    "--slug": "summer-promo",
    "--foreign-slug": "winter-sale",
    "--foreign-secret": "sk_test_globex_mock_secret",
    "--other-env-secret": "sk_live_acme_mock_secret",
    "--revoked-secret": "sk_test_acme_revoked_secret",
    "--inactive-secret": "sk_test_initech_inactive_app",
    "--ended-slug": "autumn-2024",
    "--paused-slug": "spring-launch",
    # A local mock can take the 10,000 and 10,001 boundary checks.
    "--max-batch-size": "10001",
}


def arguments(base_url: str, given: Sequence[str]) -> list[str]:
    defaults = [part for option, value in DEFAULTS.items() if option not in given for part in (option, value)]
    return ["--base-url", base_url, *defaults, *given]


def main() -> None:
    from mockserver import create_app
    from mockserver.serving import serve_in_thread

    with serve_in_thread(create_app()) as base_url:
        sys.argv = [sys.argv[0], *arguments(base_url, sys.argv[1:])]
        cli_main()


if __name__ == "__main__":
    main()
