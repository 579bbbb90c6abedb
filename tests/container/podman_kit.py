"""The image, built and run for real with podman, as the container tests use it.

No registry can be reached from these machines, so the image's base is made from Debian's
packages: debootstrap of bookworm with python3 and its venv module, imported into podman, and
kept between runs on one machine (only the first run pays for it). The image is then built from
the project's own Containerfile with `--build-arg BASE=` that base.

The flags below are what podman needs as root on these machines (runc, cgroupfs, the limits)
and the workplace's certificate authority for pip inside the build. They live here, and never in
the Containerfile or the README: those are what a user with Docker types.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PODMAN = ("podman", "--runtime", "runc", "--cgroup-manager=cgroupfs")
LIMITS = ("--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024")
CERTIFICATES = "/etc/ssl/certs/ca-certificates.crt"
BUILD_FLAGS = ("--format", "docker", *LIMITS, "--volume", f"{CERTIFICATES}:{CERTIFICATES}:ro")
# The health check's timer needs systemd, which these machines do not run: it is run by hand.
RUN_FLAGS = (*LIMITS, "--health-interval", "disable")
BASE_IMAGE = "localhost/gamifyhost-test-base:bookworm"
# What the Containerfile's default BASE names; the local base stands in for it, for the README.
DEFAULT_BASE = "docker.io/library/python:3.12-slim"
IMAGE = "localhost/gamifyhost-mock:test"
MIRROR = "http://deb.debian.org/debian"
NEEDED = ("podman", "runc", "debootstrap")
MISSING = "the container tests need {}: apt-get install podman runc debootstrap (.ci/run installs them)"
# Podman's own complaint, on a machine without systemd, that it cannot time health checks.
TIMER_NOISE = re.compile(r'^time=".*" level=error msg=".*(unable to get systemd connection|healthcheck)')
# The podman network's subnet, which containers reach the host's PostgreSQL from.
NETWORK = "podman"


def missing_programs() -> list[str]:
    return [program for program in NEEDED if shutil.which(program) is None]


def podman(
    *args: str, check: bool = True, timeout: float = 600, **kwargs: object
) -> subprocess.CompletedProcess:
    """`podman ARGS`, with this machine's flags; its output is captured as text."""
    flags: tuple[str, ...] = ()
    if args[0] == "run":
        flags = RUN_FLAGS
    elif args[0] == "build":
        flags = BUILD_FLAGS
    command = [*PODMAN, args[0], *flags, *args[1:]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    done.stderr = "".join(
        line for line in done.stderr.splitlines(keepends=True) if not TIMER_NOISE.search(line)
    )
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done


def has_image(name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


@contextlib.contextmanager
def machine_lock(name: str) -> Iterator[None]:
    """One builder at a time on this machine (two tox runs, say)."""
    with open(f"/var/tmp/{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def base_image() -> tuple[str, float]:
    """The local base (made once per machine), and the seconds it took now (0 when kept)."""
    with machine_lock("gamifyhost-test-base"):
        if has_image(BASE_IMAGE):
            return BASE_IMAGE, 0.0
        started = time.monotonic()
        folder = Path(tempfile.mkdtemp(prefix="gamifyhost-base-", dir="/var/tmp"))
        root = folder / "root"
        try:
            subprocess.run(
                [
                    "debootstrap",
                    "--variant=minbase",
                    "--include=python3,python3-venv,ca-certificates",
                    "bookworm",
                    str(root),
                    MIRROR,
                ],
                check=True,
                capture_output=True,
                timeout=1200,
            )
            # What an official slim image leaves out too: the package lists and downloads.
            for cache in ("var/cache/apt/archives", "var/lib/apt/lists"):
                for item in (root / cache).glob("*"):
                    if item.is_file():
                        item.unlink()
            tar = subprocess.Popen(["tar", "-C", str(root), "-c", "."], stdout=subprocess.PIPE)
            podman("import", "--change", 'CMD ["python3"]', "-", BASE_IMAGE, stdin=tar.stdout, timeout=600)
            assert tar.wait() == 0
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return BASE_IMAGE, time.monotonic() - started


def stand_in_for_default_base(base: str) -> None:
    """Give the local base the name of the Containerfile's default base, if nothing has it: the
    README's `docker build` then runs as written, without a build argument."""
    if not has_image(DEFAULT_BASE):
        podman("tag", base, DEFAULT_BASE)


def build(base: str, tag: str = IMAGE) -> float:
    """Build the Containerfile on `base`; the seconds it took."""
    started = time.monotonic()
    podman(
        "build", "--build-arg", f"BASE={base}", "-t", tag, "-f", "Containerfile", ".", cwd=ROOT, timeout=1200
    )
    return time.monotonic() - started


def image_size(tag: str = IMAGE) -> int:
    return int(podman("image", "inspect", "--format", "{{.Size}}", tag).stdout.strip())


def inspect(tag: str = IMAGE) -> dict:
    return json.loads(podman("image", "inspect", tag).stdout)[0]


def gateway() -> tuple[str, str]:
    """The host's address on podman's network, and the network's subnet."""
    found = json.loads(podman("network", "inspect", NETWORK).stdout)[0]
    subnet = found["subnets"][0] if "subnets" in found else None
    if subnet is not None:  # netavark
        return subnet["gateway"], subnet["subnet"]
    # CNI: a plugin list whose bridge names its ranges
    for plugin in found["plugins"]:
        for ranges in plugin.get("ipam", {}).get("ranges", []):
            return ranges[0]["gateway"], ranges[0]["subnet"]
    raise AssertionError(f"podman's network {NETWORK} has no subnet: {found}")


def free_port() -> int:
    from mockserver.kit.serving import free_port as port

    return port()


@dataclass
class Container:
    """A container of the image, published on a free loopback port of the host."""

    name: str
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def logs(self) -> str:
        done = podman("logs", self.name, check=False)
        return done.stdout + done.stderr

    def wait_until_healthy(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.base_url}/__mock/health", timeout=2) as response:
                    return json.loads(response.read())
            except (OSError, urllib.error.HTTPError) as error:
                state = podman(
                    "inspect", "--format", "{{.State.Status}}", self.name, check=False
                ).stdout.strip()
                if state not in ("running", "created", "configured") or time.monotonic() > deadline:
                    raise AssertionError(
                        f"{self.name} ({state}) never answered: {error}\n{self.logs()}"
                    ) from None
                time.sleep(0.2)


@contextlib.contextmanager
def started(
    *options: str,
    environment: dict[str, str] | None = None,
    command: Sequence[str] = (),
    healthy: bool = True,
) -> Iterator[Container]:
    """`podman run -d` of the image, removed when the block ends."""
    container = Container(f"gamifyhost-test-{uuid.uuid4().hex[:10]}", free_port())
    variables = [part for name, value in (environment or {}).items() for part in ("-e", f"{name}={value}")]
    podman(
        "run",
        "-d",
        "--name",
        container.name,
        "-p",
        f"127.0.0.1:{container.port}:8000",
        *variables,
        *options,
        IMAGE,
        *command,
    )
    try:
        if healthy:
            container.wait_until_healthy()
        yield container
    finally:
        podman("rm", "-f", "-t", "0", container.name, check=False)


def call(
    method: str, url: str, body: object = None, headers: dict[str, str] | None = None
) -> tuple[int, dict]:
    """One HTTP exchange with a container: its status and JSON answer."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data, {"Content-Type": "application/json", **(headers or {})}, method=method
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


ACME = {"X-API-Secret": "sk_test_acme_mock_secret"}


def generate(base_url: str, size: int = 3, label: str = "container", headers: dict[str, str] = ACME) -> dict:
    status, answer = call(
        "POST",
        f"{base_url}/v1/campaigns/codes/generate",
        {"slug": "summer-promo", "batchSize": size, "pointsValue": 10, "label": label},
        headers,
    )
    assert status == 200, answer
    return answer["data"]


# Figures the tests measure, printed at the end of the run (conftest's summary).
FIGURES_OF_TESTS: dict[str, str] = {}
