"""The README's "Run it as a container", run as written, in order: every `docker` command becomes
podman with this machine's flags (podman_kit), which is the only difference, and the docs'
samples it shows run with the commands it names.

The base image cannot be pulled here, so the local one stands in under the Containerfile's
default name (python:3.12-slim): the README's `docker build` then needs no build argument.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
from pathlib import Path

import podman_kit
import pytest
from podman_kit import ROOT, podman
from test_readme_curl import RECORDER, mismatches, shown_in

SECTION = "## Run it as a container"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
SAVED = re.compile(r"saved as `([^`]+)` and run with `([^`]+)`")
PORT = 8000  # the README's own
NAMES = ("gamifyhost-mock",)
VOLUMES = ("gamifyhost-state",)


def docker_as_podman() -> str:
    """`docker`, as a shell function: podman with this machine's flags."""
    podman_command = " ".join(podman_kit.PODMAN)
    return f"""
docker() {{
  local command="$1"; shift
  case "$command" in
    build) {podman_command} build {" ".join(podman_kit.BUILD_FLAGS)} "$@" ;;
    run) {podman_command} run {" ".join(podman_kit.RUN_FLAGS)} "$@" ;;
    *) {podman_command} "$command" "$@" ;;
  esac
}}
"""


def section() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(SECTION)
    return text[start : text.index("\n## ", start + len(SECTION))]


def remove_leftovers() -> None:
    for name in NAMES:
        podman("rm", "-f", "-t", "0", name, check=False)
    for volume in VOLUMES:
        podman("volume", "rm", "-f", volume, check=False)


def test_the_compose_file_the_readme_shows_is_compose_yaml() -> None:
    shown = [code for language, code in BLOCK.findall(section()) if language == "yaml"]
    assert shown == [(ROOT / "compose.yaml").read_text()], (
        "README.md shows another compose file than compose.yaml"
    )


def test_the_readmes_container_section_runs_as_written(image: str, tmp_path: Path) -> None:
    for program in ("curl", "node", "go", "java"):
        assert shutil.which(program), f"the README's container section needs {program} (.ci/run installs it)"
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", PORT))
        except OSError:
            pytest.fail(
                f"port {PORT} is taken: the README's container section needs it (stop the mock there)"
            )
    podman_kit.stand_in_for_default_base(podman_kit.base_image()[0])
    remove_leftovers()
    records = tmp_path / "records"
    records.mkdir()
    (records / "count").write_text("0")
    text = section()
    blocks = list(BLOCK.finditer(text))
    ran: list[str] = []
    try:
        for index, block in enumerate(blocks):
            language, code = block.groups()
            if language == "sh":
                run = subprocess.run(
                    ["bash", "-euo", "pipefail", "-c", RECORDER + docker_as_podman() + code],
                    cwd=ROOT,
                    env={**_environment(), "RECORDS": str(records)},
                    capture_output=True,
                    text=True,
                    timeout=900,
                )
                assert run.returncode == 0, (
                    f"{code}\nexited {run.returncode}:\n{run.stdout[-3000:]}{run.stderr[-3000:]}"
                )
                check_answers(code, records)
                if "gamifyhost-conformance" in code:
                    assert "Verdict: CONFORMANT" in run.stdout, run.stdout[-3000:]
                ran.append(code.splitlines()[0])
            elif language in ("js", "go", "java"):
                saved = SAVED.findall(text[blocks[index - 1].end() if index else 0 : block.start()])
                assert saved, f"the README says neither where to save nor how to run its {language} sample"
                file, command = saved[-1]
                (tmp_path / file).write_text(code)
                run = subprocess.run(
                    command.split(),
                    cwd=tmp_path,
                    env=_environment(),
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                assert run.returncode == 0, f"{command}: {run.stdout}{run.stderr}"
                following = blocks[index + 1] if index + 1 < len(blocks) else None
                if following is not None and following.group(1) == "text":
                    assert run.stdout == following.group(2), run.stdout
                else:
                    for label in ("In-store promo cards", "Email campaign July"):
                        assert label in run.stdout, run.stdout
                ran.append(command)
    finally:
        remove_leftovers()
    podman_kit.FIGURES_OF_TESTS["README container section"] = f"{len(ran)} blocks ran: " + " | ".join(ran)
    assert len(ran) >= 6


def check_answers(code: str, records: Path) -> None:
    """Each curl call's answer against the one the README shows after it (status and shape)."""
    calls = re.split(r"(?:^|\s)curl\s", code)[1:]
    count = int((records / "count").read_text())
    first = count - len(calls) + 1
    for number, call in enumerate(calls, start=first):
        expected = shown_in(call)
        if expected is None:
            continue
        actual = json.loads((records / f"{number}.body").read_text())
        problems = mismatches(expected, actual)
        assert not problems, f"curl {call.strip()[:200]}:\n" + "\n".join(problems)


def _environment() -> dict[str, str]:
    import os

    keep = ("PATH", "HOME", "LANG", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
    return {name: os.environ[name] for name in keep if name in os.environ}
