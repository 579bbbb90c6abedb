"""`python -m mockserver.kit.probe`: exit 0 if the mock this machine runs answers, 1 if not.

The container image's HEALTHCHECK, on the standard library alone (the image has no curl). It
finds the mock where its variables put it (GAMIFYHOST_MOCK_PORT, GAMIFYHOST_MOCK_HOST,
GAMIFYHOST_MOCK_SSL_CERTFILE, ...) and reads `/__mock/health`, which needs no admin token, or,
with the admin API off, `/openapi.yaml`.
"""

from __future__ import annotations

import ssl
import sys
import urllib.error
import urllib.request

from .cli import UsageError, base_url, parse

TIMEOUT = 3.0


def main() -> int:
    try:
        args = parse([])
    except UsageError as error:
        print(f"probe: {error}", file=sys.stderr)
        return 1
    url = base_url(args) + ("/openapi.yaml" if args.no_admin else "/__mock/health")
    # Its own certificate, on this machine: whether it is trusted here is not what is probed.
    context = ssl._create_unverified_context() if url.startswith("https:") else None
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context)
    )
    try:
        with opener.open(url, timeout=TIMEOUT) as response:
            healthy = response.status == 200
    except (OSError, urllib.error.HTTPError) as error:
        print(f"probe: {url}: {error}", file=sys.stderr)
        return 1
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
