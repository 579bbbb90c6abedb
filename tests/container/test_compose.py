"""compose.yaml's shared mock: its two mock services, started as the file states them (image,
environment, command), on this machine's PostgreSQL in place of the file's `postgres` service
(whose image cannot be pulled here), act as one mock behind the admin token.

The file is read, not copied: change a mock service there and this test starts the changed one.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from podman_kit import ACME, ROOT, Container, call, gateway, generate, started
from stores_kit import ThrowawayServer

IMAGE_NAME = "gamifyhost-mock"  # what the README's `docker build -t` calls the image
VARIABLE = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<how>:\?|:-)(?P<word>[^}]*))?\}")


def interpolate(value: str, environ: Mapping[str, str]) -> str:
    """Compose's `${NAME}`, `${NAME:-default}` and `${NAME:?error}`."""

    def one(found: re.Match[str]) -> str:
        name, how, word = found["name"], found["how"], found["word"]
        if environ.get(name):
            return environ[name]
        if how == ":?":
            raise LookupError(f"{name}: {word}")
        return word if how == ":-" else ""

    return VARIABLE.sub(one, value)


def mock_services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("image") == IMAGE_NAME
        and service.get("build", {}).get("dockerfile") == "Containerfile"
    }


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


@pytest.fixture(scope="module")
def postgresql() -> Iterator[tuple[str, str]]:
    """This machine's PostgreSQL, as the containers reach it: (its URL for them, its host address)."""
    address, subnet = gateway()
    server = ThrowawayServer(network=subnet)
    url = server.start()
    assert url is not None, "the container tests need PostgreSQL's programs (apt-get install postgresql)"
    try:
        yield url.replace("@127.0.0.1:", f"@{address}:"), address
    finally:
        server.stop()


def test_the_file_states_two_mock_services_on_its_postgresql_behind_a_token(compose: dict[str, Any]) -> None:
    services = mock_services(compose)
    assert len(services) == 2, f"compose.yaml's mock services: {sorted(services)}"
    assert "healthcheck" in compose["services"]["postgres"]
    for name, service in services.items():
        store = urlsplit(service["environment"]["GAMIFYHOST_MOCK_STORE"])
        assert store.scheme == "postgresql" and store.hostname == "postgres", (name, store)
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert [port.rsplit(":", 1)[1] for port in service["ports"]] == ["8000"], service["ports"]
        assert all(port.startswith("127.0.0.1:") for port in service["ports"]), "published on loopback only"
        with pytest.raises(LookupError, match="GAMIFYHOST_MOCK_ADMIN_TOKEN"):
            interpolate(service["environment"]["GAMIFYHOST_MOCK_ADMIN_TOKEN"], {})


def test_its_two_mock_services_act_as_one_mock(
    image: str, compose: dict[str, Any], postgresql: tuple[str, str]
) -> None:
    url, _address = postgresql
    token = uuid.uuid4().hex
    with ExitStack() as stack:
        mocks: list[Container] = []
        for service in mock_services(compose).values():
            environment = {
                name: interpolate(str(value), {"GAMIFYHOST_MOCK_ADMIN_TOKEN": token})
                for name, value in service["environment"].items()
            }
            environment["GAMIFYHOST_MOCK_STORE"] = url  # this machine's PostgreSQL for the `postgres` service
            command = service.get("command") or ()
            mocks.append(stack.enter_context(started(environment=environment, command=command)))
        first, second = mocks
        admin = {"Authorization": f"Bearer {token}"}

        # Behind the token, both of them.
        for mock in mocks:
            assert call("GET", f"{mock.base_url}/__mock/partners")[0] == 401
            status, health = call("GET", f"{mock.base_url}/__mock/health", headers=admin)
            assert status == 200 and health["data"]["store"].startswith("postgresql://"), health

        # A batch generated on one is listed by the other.
        label = f"shared {token[:8]}"
        batch = generate(first.base_url, 3, label)
        status, listed = call(
            "GET", f"{second.base_url}/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=ACME
        )
        assert status == 200 and batch["batch"]["id"] in [b["id"] for b in listed["data"]["batches"]]

        # Eight redemptions of one fresh code, four on each, at once: exactly one wins.
        code = generate(second.base_url, 1, label)["codes"][0]
        answers: list[int] = []
        gate = threading.Barrier(8)

        def redeem(mock: Container, user: int) -> None:
            gate.wait()
            status, _answer = call(
                "POST",
                f"{mock.base_url}/v1/campaigns/summer-promo/redeem",
                {"code": code, "userId": f"user-{user}"},
                ACME,
            )
            answers.append(status)

        racers = [threading.Thread(target=redeem, args=(mocks[user % 2], user)) for user in range(8)]
        for racer in racers:
            racer.start()
        for racer in racers:
            racer.join(60)
        assert sorted(answers) == [200] + [409] * 7, answers

        # The admin API of one drives both: a reset on the second removes the first's batches.
        assert call("POST", f"{second.base_url}/__mock/reset", headers=admin)[0] == 200
        status, listed = call(
            "GET", f"{first.base_url}/v1/campaigns/codes/batches?slug=summer-promo&limit=100", headers=ACME
        )
        assert batch["batch"]["id"] not in [b["id"] for b in listed["data"]["batches"]]
        import podman_kit

        podman_kit.FIGURES_OF_TESTS["compose"] = (
            f"{len(mocks)} mock services on one PostgreSQL: batch of one listed by the other; "
            f"8 concurrent redeems: {answers.count(200)} x 200, {answers.count(409)} x 409"
        )
