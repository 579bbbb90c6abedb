"""The implementation under test for one run: its HTTP session, the suite's views of it, and the books."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from .api import Api, preflight
from .contract import Contract
from .fuzzing import Fuzzing
from .ledger import Ledger
from .settings import IN_PROCESS_URL, Settings


class RequestObserver:
    """Shows the ledger every response from the target while the run is open.

    schemathesis's built-in checks send their probes through sessions of their own, so no
    session hook sees every request; `requests.Session.send` does, wrapped for the run's duration.
    """

    def __init__(self, ledger: Ledger, base_url: str) -> None:
        netloc = urlsplit(base_url).netloc
        original = self._original = requests.Session.send

        def send(
            session: requests.Session, request: requests.PreparedRequest, **kwargs: Any
        ) -> requests.Response:
            response = original(session, request, **kwargs)
            if urlsplit(str(request.url)).netloc == netloc:
                ledger.observe(response)
            return response

        requests.Session.send = send  # type: ignore[method-assign]

    def close(self) -> None:
        requests.Session.send = self._original  # type: ignore[method-assign]


@dataclass
class Target:
    """Everything a run shares: settings, contract, ledger, and the two ways of calling the target."""

    settings: Settings
    contract: Contract
    ledger: Ledger
    session: requests.Session
    fuzzing: Fuzzing
    api: Api
    observer: RequestObserver

    def close(self) -> None:
        self.observer.close()
        self.fuzzing.close()
        self.session.close()


def open_target(settings: Settings, app: Any = None) -> Target:
    """Connect to the target (a URL, or `app` in process) and run the preflight."""
    session, ledger, contract = _session(app), Ledger(), Contract.load()
    observer = RequestObserver(ledger, IN_PROCESS_URL if app is not None else settings.base_url)
    fuzzing = Fuzzing(settings, contract, ledger, session, app)
    api = Api(settings, fuzzing.schema, session, ledger)
    target = Target(settings, contract, ledger, session, fuzzing, api, observer)
    ledger.preflight_failure = preflight(api)
    return target


def _session(app: Any) -> requests.Session:
    if app is None:
        return requests.Session()
    # schemathesis's own in-process client, so generated and deliberate calls share one path.
    from schemathesis.python.asgi import get_client

    return get_client(app)
