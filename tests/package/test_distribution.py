"""The wheel and the sdist hold the tap alone, and each installs and runs in a clean venv.

Installing resolves the tap's dependencies from the package index (PyPI), so this module needs
it; the tap itself talks to nobody here (`--discover` sends no request).
"""

from __future__ import annotations

import email
import json
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from tap_helpscout.tap import STREAM_TYPES

REPO_ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).with_name("uv")
PYTHON = shutil.which("python3.11") or sys.executable
DUMMY_CONFIG = {"client_id": "x", "client_secret": "x", "start_date": "2020-01-01T00:00:00Z"}
NOT_SHIPPED = ("helpscout_sim/", "devtools/", "tests/", "plugins/", "hub/", ".ci/")
# The streams of the source tree: the installed package must discover exactly these.
STREAMS = {stream_type.name for stream_type in STREAM_TYPES}


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [str(UV), "build", "--quiet", "--out-dir", str(out), str(REPO_ROOT)],
        check=True,
        cwd=REPO_ROOT,
        timeout=300,
    )
    return {"wheel": next(out.glob("*.whl")), "sdist": next(out.glob("*.tar.gz"))}


def test_the_wheel_holds_the_tap_and_its_metadata_only(dist: dict[str, Path]) -> None:
    names = zipfile.ZipFile(dist["wheel"]).namelist()
    assert any(name == "tap_helpscout/tap.py" for name in names)
    assert all(name.startswith(("tap_helpscout/", "tap_helpscout_sdk-")) for name in names), names
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)


def test_the_sdist_leaves_out_the_simulator_and_the_tooling(dist: dict[str, Path]) -> None:
    with tarfile.open(dist["sdist"]) as archive:
        names = [name.split("/", 1)[1] for name in archive.getnames() if "/" in name]
    assert {"pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md", "PKG-INFO"} <= set(names)
    assert not [name for name in names if name.startswith(NOT_SHIPPED)]


def test_the_metadata_a_user_reads_on_pypi(dist: dict[str, Path]) -> None:
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.message_from_bytes(wheel.read(name))
    assert metadata["Name"] == "tap-helpscout-sdk"
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "## Quick start" in metadata.get_payload()
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert {"Homepage", "Repository", "Issues", "Changelog"} <= urls.keys()
    assert "Programming Language :: Python :: 3.11" in metadata.get_all("Classifier")
    assert "meltano_sdk" in metadata["Keywords"]


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_it_installs_into_a_clean_venv_and_runs(
    dist: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([PYTHON, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(venv / "bin" / "python"),
            str(dist[kind]),
        ],
        check=True,
        timeout=600,
    )
    tap = str(venv / "bin" / "tap-helpscout")
    # A clean environment: nothing of the project's venv or checkout is on the path.
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}

    def run(*args: str, extra: dict[str, str] | None = None) -> str:
        completed = subprocess.run(
            [tap, *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            cwd=tmp_path,
            env={**env, **(extra or {})},
        )
        assert completed.returncode == 0, completed.stderr[-2000:]
        return completed.stdout

    about = json.loads(run("--about", "--format=json"))
    assert about["name"] == "tap-helpscout"
    assert "client_secret" in about["settings"]["properties"]

    assert "tap-helpscout" in run("--version")

    config = tmp_path / "config.json"
    config.write_text(json.dumps(DUMMY_CONFIG))
    catalog = json.loads(run("--config", str(config), "--discover"))
    assert {entry["tap_stream_id"] for entry in catalog["streams"]} == STREAMS

    check = subprocess.run(
        [str(venv / "bin" / "tap-helpscout-check"), "--help"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert check.returncode == 0
    assert "first page" in check.stdout

    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import helpscout_sim"],
        capture_output=True,
        check=False,
        env=env,
        cwd=tmp_path,
    )
    assert installed.returncode != 0, "the simulator must not be installed with the tap"
    assert os.access(venv / "bin" / "tap-helpscout", os.X_OK)
