"""The installed wheel: complete, its console scripts working, its pytest plugins harmless."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import subprocess
import sys
from pathlib import Path

from conftest import free_port, run

import conformance
import mockserver

PACKAGES = ("mockserver", "conformance")
# What a package ships besides its modules (the rest of a source directory is not for users).
SHIPPED_SUFFIXES = {".py", ".yaml", ".typed", ".html", ".css", ".js"}


def shipped_files(root: Path) -> set[str]:
    """Files of a package directory as a wheel should hold them, symbolic links followed."""
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and path.suffix in SHIPPED_SUFFIXES and "__pycache__" not in path.parts
    }


def readme_section(source_tree: Path, title: str) -> str:
    text = (source_tree / "README.md").read_text(encoding="utf-8")
    return text.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_every_package_directory_of_the_source_tree_is_installed(source_tree: Path) -> None:
    for name in PACKAGES:
        source = source_tree / name
        installed = Path(sys.modules[name].__file__).parent
        packages = {str(init.parent.relative_to(source)) for init in source.rglob("__init__.py")}
        assert packages, f"{source} holds no package"
        missing = sorted(p for p in packages if not (installed / p / "__init__.py").is_file())
        assert not missing, f"package directories of {name} missing from the wheel: {missing}"
        absent = sorted(shipped_files(source) - shipped_files(installed))
        assert not absent, f"files of {name} missing from the wheel: {absent}"


def test_every_module_imports_from_the_wheel() -> None:
    for package in (mockserver, conformance):
        root = Path(package.__file__).parent
        for module in sorted(root.rglob("*.py")):
            parts = module.relative_to(root.parent).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            if name.endswith("__main__"):
                continue
            __import__(name)


def test_conformance_help(scripts: Path, tmp_path: Path) -> None:
    result = run([scripts / "gamifyhost-conformance", "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: gamifyhost-conformance"), result.stdout
    assert "--foreign-secret" in result.stdout


def test_conformance_run_against_the_mock(scripts: Path, mock_url: str, tmp_path: Path) -> None:
    result = run([scripts / "gamifyhost-conformance", *LOCAL_MOCK_INPUTS, "--base-url", mock_url], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Verdict: CONFORMANT" in result.stdout, result.stdout
    assert list(tmp_path.iterdir()) == [], "the run left files behind in its working directory"


def test_pytest_in_a_project_that_uses_neither_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_sums.py").write_text("def test_sum():\n    assert sum([1, 2]) == 3\n", encoding="utf-8")
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout, result.stdout


def test_the_readme_examples_of_use_from_tests_run_in_order(source_tree: Path, tmp_path: Path) -> None:
    """Each ```python block is saved under the name of its first line; each ```sh block runs in bash,
    in the README's order, in that project. `pip install` lines are checked, not run: what they
    name must be installed here, and nothing else the examples use is."""
    section = readme_section(source_tree, "Use it from your tests")
    blocks = re.findall(r"```(python|sh)\n(.*?)```", section, re.S)
    assert [language for language, _ in blocks].count("python") >= 4
    port = str(free_port())  # the README's shared mock listens on 8010: here, on a free port
    ran = []
    for language, code in blocks:
        if language == "python":
            name = code.splitlines()[0].removeprefix("# ").strip()
            assert re.fullmatch(r"[a-z_]+\.py", name), f"a Python example names its file first: {code[:60]}"
            (tmp_path / name).write_text(code, encoding="utf-8")
            continue
        commands = [line for line in code.splitlines() if line.strip()]
        for line in [line for line in commands if line.startswith("pip install")]:
            for name in shlex.split(line.removeprefix("pip install"), comments=True):
                if not name.startswith(("/", ".")):  # this repository, wherever it was cloned
                    importlib.metadata.distribution(name)
        script = "\n".join(line for line in commands if not line.startswith("pip install"))
        if not script:
            continue
        result = run(["bash", "-e", "-c", script.replace("8010", port)], tmp_path)
        assert result.returncode == 0, f"{script}\n{result.stdout}{result.stderr}"
        ran.append((script, result.stdout))
    outputs = {script.split()[0] + " " + script.split()[1]: output for script, output in ran}
    assert "1 passed" in outputs["pytest test_rewards.py"], outputs
    codes, later = outputs["python try_the_mock.py"].splitlines()
    assert later == "2025-06-02 12:00:00+00:00" and codes.startswith("['SUMM-")
    shared = next(output for script, output in ran if "-n 2" in script)
    assert "2 passed" in shared, shared
    again = run([sys.executable, "try_the_mock.py"], tmp_path)
    assert again.stdout.splitlines()[0] == codes  # seed 1: the same codes every run


def test_a_shared_mock_knows_its_fixtures_secrets_and_refuses_a_reset_between_workers(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "test_shared.py").write_text(
        "def test_secrets(gamifyhost_mock):\n"
        "    assert gamifyhost_mock.secrets['acme_test'].startswith('sk_test_')\n",
        encoding="utf-8",
    )
    mock = subprocess.Popen(
        [Path(sys.executable).parent / "gamifyhost-mock", "--port", str(port), "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = ["--gamifyhost-mock-url", f"http://127.0.0.1:{port}", "-p", "no:cacheprovider"]
        alone = run([sys.executable, "-m", "pytest", "-q", *url], tmp_path)
        assert "1 passed" in alone.stdout, alone.stdout + alone.stderr
        workers = run([sys.executable, "-m", "pytest", "-q", "-n", "2", *url], tmp_path)
        assert workers.returncode == 1, workers.stdout
        assert "gamifyhost_mock resets the mock" in workers.stdout and "gamifyhost_tenant" in workers.stdout
    finally:
        mock.terminate()
        mock.wait(timeout=20)


TRAFFIC_SECTION = "Judging traffic it did not send: HAR files and a checking proxy"
# Waits until a port takes connections: the mock the test starts (the README waits for its proxy itself).
LISTENING = """
listening() {
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "nothing listens on port $1" >&2; return 1
}
"""


def test_the_readme_worked_example_of_judging_traffic_runs_in_order(
    source_tree: Path, scripts: Path, tmp_path: Path
) -> None:
    """The section's ```sh blocks, as written, in one bash session against a fresh mock: the proxy
    records the session, stops with its verdict, and its recording is judged again. Every line a
    block shows as `# output` is printed."""
    blocks = re.findall(r"```sh\n(.*?)```", readme_section(source_tree, TRAFFIC_SECTION), re.S)
    assert len(blocks) >= 3
    mock_port, proxy_port = str(free_port()), str(free_port())
    script = "".join(block.replace("8000", mock_port).replace("8001", proxy_port) for block in blocks)
    mock = subprocess.Popen(
        [scripts / "gamifyhost-mock", "--port", mock_port, "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        result = run(
            ["bash", "-e", "-o", "pipefail", "-c", LISTENING + f"listening {mock_port}\n" + script], tmp_path
        )
    finally:
        mock.terminate()
        mock.wait(timeout=20)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    printed = result.stdout.splitlines()
    shown = [line[2:] for block in blocks for line in block.splitlines() if line.startswith("# ")]
    assert shown and all(line in printed for line in shown), (shown, output)
    assert output.count("Verdict: CONFORMANT") == 2, output  # the proxy's, and its recording's
    assert "not judged: batches.lists-generated" not in output, output  # the list shows the new batch
    assert "recording what passes in session.har" in output
    assert (tmp_path / "session.har").is_file() and (tmp_path / "verdict.json").is_file()


LOCAL_MOCK_INPUTS = [
    "--api-secret", "sk_test_acme_mock_secret",
    "--slug", "summer-promo",
    "--foreign-slug", "winter-sale",
    "--foreign-secret", "sk_test_globex_mock_secret",
    "--other-env-secret", "sk_live_acme_mock_secret",
    "--revoked-secret", "sk_test_acme_revoked_secret",
    "--ended-slug", "autumn-2024",
    "--paused-slug", "spring-launch",
]  # fmt: skip


def test_the_installed_mock_serves_its_dashboard_and_takes_tenants(mock_url: str) -> None:
    import httpx

    page = httpx.get(f"{mock_url}/__mock/")
    assert page.status_code == 200 and "<title>GamifyHost mock: dashboard</title>" in page.text
    added = httpx.post(
        f"{mock_url}/__mock/partners",
        json={
            "name": "Wheel",
            "applications": [{"name": "App", "keys": [{}]}],
            "campaigns": [{"slug": "w", "environment": "TEST"}],
        },
    )
    assert added.status_code == 200, added.text
    secret = added.json()["data"]["partner"]["applications"][0]["keys"][0]["secret"]
    stats = httpx.get(
        f"{mock_url}/v1/campaigns/codes/stats", params={"slug": "w"}, headers={"X-API-Secret": secret}
    )
    assert stats.json()["data"]["totalCodes"] == 0
