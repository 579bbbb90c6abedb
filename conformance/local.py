"""`python -m conformance.local [options]`: start the mock on a free port and check it over HTTP.

For `tox -e conformance` and a quick look at what the suite reports: the mock serves its bundled
fixtures, and the suite runs as Acme on `summer-promo` with Globex's `winter-sale` as the foreign
campaign. Options are those of `gamifyhost-conformance`; given ones win over these defaults.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .cli import main as cli_main

DEFAULTS = {
    "--api-secret": "sk_test_acme_mock_secret",
    "--slug": "summer-promo",
    "--foreign-slug": "winter-sale",
    # A local mock can take the 10000-code boundary check.
    "--max-batch-size": "10000",
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
