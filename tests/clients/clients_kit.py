"""Helpers of the client tests: where the Node tools live, and openapi-core's response validator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from requests.structures import CaseInsensitiveDict

from mockserver.contract.spec import SPEC_PATH, load_yaml

NODE = Path(__file__).with_name("node")


class ResponseValidator:
    """openapi-core's response validator over openapi.yaml, for a mock served at one base URL."""

    def __init__(self, base_url: str) -> None:
        document = load_yaml(SPEC_PATH)
        document["servers"] = [{"url": base_url}]  # where the requests went
        self.openapi = OpenAPI.from_dict(document)

    def check(self, exchange: dict[str, Any]) -> None:
        """Raise unless the answer of `exchange` (method, url, headers, bodies, status) is the spec's."""
        request = requests.Request(
            exchange["method"],
            exchange["url"],
            headers=exchange["requestHeaders"],
            data=exchange["requestBody"].encode() or None,
        ).prepare()
        response = requests.Response()
        response.status_code = exchange["status"]
        response.headers = CaseInsensitiveDict(exchange["responseHeaders"])
        response._content = exchange["responseBody"].encode()
        self.openapi.validate_response(RequestsOpenAPIRequest(request), RequestsOpenAPIResponse(response))
