"""The environment files agree, and the installed packages are the pinned ones."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version

import yaml
from conftest import ROOT


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pyproject_pins() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    reqs = data["project"]["dependencies"] + data["project"]["optional-dependencies"]["dev"]
    pins = {}
    for r in reqs:
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s;]+)", r.strip())
        assert m, f"pyproject.toml: {r!r} is not pinned with =="
        pins[_canon(m.group(1))] = m.group(2)
    return pins


def environment_pins() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for r in dep.get("pip", []):
                m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==(\S+)", r.strip())
                if m:
                    pins[_canon(m.group(1))] = m.group(2)
        else:
            m = re.fullmatch(r"([A-Za-z0-9_.\-]+)=(\S+)", dep.strip())
            if m and m.group(1) != "python":
                pins[_canon(m.group(1))] = m.group(2)
    return pins


def test_pyproject_and_environment_yml_pin_the_same_versions():
    py, conda = pyproject_pins(), environment_pins()
    assert py == conda, (
        f"only in pyproject: {sorted(set(py) - set(conda))}; "
        f"only in environment.yml: {sorted(set(conda) - set(py))}; "
        f"different: {sorted(k for k in set(py) & set(conda) if py[k] != conda[k])}"
    )


def test_required_pins_are_the_course_versions():
    pins = pyproject_pins()
    assert pins["torch"] == "2.14.1"
    assert pins["torchvision"] == "0.29.1"
    assert pins["torchaudio"] == "2.11.0"
    assert pins["nbgrader"] == "0.9.6"


def test_installed_versions_match_the_pins():
    wrong = {}
    for name, pinned in pyproject_pins().items():
        got = version(name).split("+")[0]  # torch's local tag (+cu130) is not part of the pin
        if got != pinned:
            wrong[name] = (pinned, got)
    assert not wrong, f"installed versions differ from the pins (pinned, installed): {wrong}"


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
