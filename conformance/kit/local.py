"""`python -m conformance.kit.local [options]`: start the mock on a free port and check it over HTTP.

For `tox -e conformance` and a quick look at what the suite reports: the mock serves its bundled
fixtures, and the suite runs as Acme on `summer-promo`, with every input the fixtures give
something to point at: Globex as the foreign partner (its campaign `winter-sale` and its
secret), Acme's LIVE secret, its revoked secret, Initech's inactive application, and the ended
and paused campaigns. Options are those of `gamifyhost-conformance`; given ones win over these.

`--store URL` (this command's own) serves the mock from that store, as `gamifyhost-mock --store`
takes it, reset to the fixtures first: `tox -e conformance-sqlite,conformance-postgresql`.
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


def store_option(given: list[str]) -> tuple[str, list[str]]:
    """`--store URL` (or `--store=URL`) taken out of the arguments; memory without one."""
    for index, part in enumerate(given):
        if part == "--store" and index + 1 < len(given):
            return given[index + 1], given[:index] + given[index + 2 :]
        if part.startswith("--store="):
            return part.partition("=")[2], given[:index] + given[index + 1 :]
    return "memory", given


def main() -> None:
    from mockserver import StoreError, create_app
    from mockserver.kit.serving import serve_in_thread

    store, given = store_option(sys.argv[1:])
    try:
        app = create_app(store=store)
    except StoreError as error:
        sys.exit(f"conformance.kit.local: bad store: {error}")
    app.state.reset()  # a store kept from an earlier run starts from the fixtures again
    with serve_in_thread(app) as base_url:
        sys.argv = [sys.argv[0], *arguments(base_url, given)]
        cli_main()


if __name__ == "__main__":
    main()
