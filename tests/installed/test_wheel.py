"""The installed wheel: complete, its console scripts working, its pytest plugins harmless."""

from __future__ import annotations

import importlib.metadata
import re
import shlex
import sys
from pathlib import Path

from conftest import run

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


def test_readme_pytest_example_as_written(source_tree: Path, tmp_path: Path) -> None:
    section = readme_section(source_tree, "Use it from your tests")
    install = next(line for line in re.findall(r"```sh\n(.*?)```", section, re.S) if "pip install" in line)
    arguments = shlex.split(install.split("pip install", 1)[1], comments=True)
    wanted = [word for word in arguments if not word.startswith(".")]
    for name in wanted:  # besides the package itself, the README names these, and only these are here
        importlib.metadata.distribution(name)
    example = re.findall(r"```python\n(.*?)```", section, re.S)[0]
    (tmp_path / "test_rewards.py").write_text(example, encoding="utf-8")
    result = run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout, result.stdout


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
