"""The course's environment is exactly the lock, and the package metadata admits it.

* ``requirements/lock.txt`` pins every package of the course's environment (``make setup``);
* ``environment.yml`` installs that same lock (conda users get the identical environment);
* ``pyproject.toml`` states supported ranges, whose lower ends ``requirements/compat.txt``
  tests (``make test-compat``); every locked version must fall inside them.
"""

from __future__ import annotations

import re
import sys
import tomllib
from importlib.metadata import PackageNotFoundError, version

import yaml
from conftest import ROOT
from packaging.markers import Marker
from packaging.requirements import Requirement

LOCK = ROOT / "requirements" / "lock.txt"
COMPAT = ROOT / "requirements" / "compat.txt"


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path) -> dict[str, tuple[str, Marker | None]]:
    """``name -> (version, marker)`` for every ``name==version`` line of a requirements file."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split(" #")[0].strip().rstrip("\\").strip()
        if not line or line.startswith(("#", "-")):
            continue
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == "==", f"{path.name}: {line!r} is not pinned with =="
        pins[_canon(req.name)] = (spec.version, req.marker)
    return pins


def lock_pins() -> dict[str, str]:
    return {name: v for name, (v, _) in _pins(LOCK).items()}


def test_the_lock_pins_the_course_versions_with_hashes():
    pins = lock_pins()
    assert pins["torch"] == "2.14.1"
    assert pins["torchvision"] == "0.29.1"
    assert pins["torchaudio"] == "2.11.0"
    assert pins["nbgrader"] == "0.9.6"
    assert pins["numpy"] == "2.4.6"
    text = LOCK.read_text()
    # every requirement carries at least one sha256 (pip's --require-hashes mode checks them)
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 1)[1] if text.startswith("#") else text)
    entries = [e for e in entries if re.match(r"[A-Za-z0-9]", e)]
    missing = [e.split()[0] for e in entries if "--hash=sha256:" not in e]
    assert not missing, f"no hash for {missing}"


def test_environment_yml_installs_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-r requirements/lock.txt" in pip
    header = re.search(r"^# Python (\d+\.\d+)", LOCK.read_text(), re.M)
    assert header and f"python={header.group(1)}" in conda
    # any version written in environment.yml itself must be the locked one
    pins = lock_pins()
    stated = {}
    for dep in conda + pip:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==?(\S+)", dep.strip())
        if m and m.group(1) != "python":
            stated[_canon(m.group(1))] = m.group(2)
    wrong = {k: (v, pins.get(k)) for k, v in stated.items() if pins.get(k) != v}
    assert not wrong, f"environment.yml differs from the lock (yml, lock): {wrong}"


def test_pyproject_ranges_admit_the_locked_and_the_oldest_tested_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra, items in project["optional-dependencies"].items():
        if extra != "bench":  # the benchmarks' own tools are not part of the course's lock
            reqs += items
    pins = lock_pins()
    compat = {name: v for name, (v, _) in _pins(COMPAT).items()}
    problems = []
    for text in reqs:
        req = Requirement(text)
        name = _canon(req.name)
        if name == "augcourse-helpers":  # an extra that includes other extras
            continue
        if name not in pins:
            problems.append(f"{name}: not in the lock")
        elif pins[name] not in req.specifier:
            problems.append(f"{name}: locked {pins[name]} outside {req.specifier}")
        if name in compat and not req.specifier.contains(compat[name]):
            problems.append(f"{name}: tested minimum {compat[name]} outside {req.specifier}")
        lower = [s.version for s in req.specifier if s.operator == ">="]
        if name in compat and lower and lower[0] != compat[name]:
            problems.append(f"{name}: lower end {lower[0]} is not the tested {compat[name]}")
    assert not problems, problems
    assert project["requires-python"] == ">=3.11"


def test_installed_versions_match_the_lock():
    wrong = {}
    for name, (pinned, marker) in _pins(LOCK).items():
        if marker is not None and not marker.evaluate():
            continue
        try:
            got = version(name).split("+")[0]  # torch's local tag (+cu130) is not part of the pin
        except PackageNotFoundError:
            got = "not installed"
        if got != pinned:
            wrong[name] = (pinned, got)
    assert not wrong, f"installed versions differ from the lock (locked, installed): {wrong}"
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in LOCK.read_text().split("\n")[0]


def test_torch_family_imports_together():
    import torch
    import torchaudio
    import torchvision
    from torchvision.transforms.v2 import functional as TF

    x = torch.rand(1, 3, 8, 8)
    assert TF.hflip(x).flip(-1).equal(x)
    assert torchaudio.functional.amplitude_to_DB(
        torch.ones(1, 4), 10.0, 1e-10, 0.0).shape == (1, 4)
    assert torchvision.__version__.startswith("0.29.1")
