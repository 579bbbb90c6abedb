"""Build the project's wheel from a pristine copy of the sources and install it (not editable).

`tox -e wheel` runs this first. A wheel built in the working tree may take files from build/ or
from a *.egg-info that an editable install left there, and so hide a package missing from the
configuration; a copy of the sources has neither.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

LEFT_BY_BUILDS = shutil.ignore_patterns(
    ".git",
    ".tox",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".hypothesis",
    ".ruff_cache",
    "node_modules",
)


def main(source_tree: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="gamifyhost-wheel-") as scratch:
        copy, dist = Path(scratch, "source"), Path(scratch, "dist")
        shutil.copytree(source_tree, copy, ignore=LEFT_BY_BUILDS, symlinks=True)
        pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
        subprocess.run([*pip, "wheel", "--no-deps", "--quiet", "--wheel-dir", dist, copy], check=True)
        [wheel] = dist.glob("*.whl")
        subprocess.run([*pip, "install", "--quiet", "--force-reinstall", wheel], check=True)
        print(f"installed {wheel.name}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
