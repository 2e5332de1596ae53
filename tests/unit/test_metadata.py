"""Package metadata: the licence in its SPDX form with its file, and one place for the version."""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import workbench

ROOT = Path(__file__).resolve().parents[2]


def pyproject() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as fh:
        return tomllib.load(fh)


def test_the_licence_is_an_spdx_string_and_its_file_matches() -> None:
    project = pyproject()["project"]
    assert project["license"] == "MIT"  # the TOML-table form stops building in February 2027
    assert project["license-files"] == ["LICENSE"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    assert "setuptools>=77" in pyproject()["build-system"]["requires"]  # the first to read the SPDX form


def test_the_version_is_written_once_in_the_package() -> None:
    data = pyproject()
    assert "version" not in data["project"]
    assert "version" in data["project"]["dynamic"]
    assert data["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "workbench.__version__"}
    assert version("workbench") == workbench.__version__
