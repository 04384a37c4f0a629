"""The student package: what the wheel holds, what `import helpers` needs, where data goes."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from helpers import _extras, doctor
from helpers.data import paths


def test_the_wheel_ships_helpers_and_never_the_teacher_side(tmp_path):
    subprocess.run([sys.executable, "-c", "from setuptools import build_meta as b; "
                    f"b.build_wheel({str(tmp_path)!r})"], cwd=ROOT, check=True,
                   capture_output=True)
    (wheel,) = tmp_path.glob("augcourse_helpers-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"helpers", wheel.name.split("-py3")[0] + ".dist-info"}
    assert "helpers/data/paths.py" in names and "helpers/drills/variant.py" in names
    # the self-check's sealed data travels with the package; the drills' answer keys do not
    assert "helpers/selfcheck/data/course.json" in names
    assert not [n for n in names if n.endswith("specs.py")]
    assert not [n for n in names if re.search(r"solution|teacher|nbgrader_config", n)]
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA"))).decode()
    core = re.findall(r"^Requires-Dist: ([^;\n]+)$", meta, re.M)
    assert core == ["torch>=2.9.1", "torchvision>=0.24.1", "numpy>=2.0.2"]
    assert "Requires-Python: >=3.11" in meta


BLOCKER = textwrap.dedent("""
    import sys
    BLOCKED = {"sklearn", "imblearn", "nltk", "torchaudio", "soundfile", "matplotlib",
               "ipywidgets", "IPython", "tqdm", "scipy", "skimage", "nbformat", "nbgrader"}
    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    sys.meta_path.insert(0, Blocker())
""")


def test_import_helpers_needs_only_torch_and_numpy_and_names_the_missing_extra():
    code = BLOCKER + textwrap.dedent("""
        import helpers, helpers.image, helpers.mix, helpers.tta, helpers.ssl, helpers.data
        import torch
        x = helpers.image.hflip(torch.arange(6.).reshape(1, 1, 2, 3))
        assert x[0, 0, 0].tolist() == [2.0, 1.0, 0.0]
        for module, call in (("helpers.tabular", None), ("helpers.text.eda", "synonyms"),
                             ("helpers.audio", "log_mel"), ("helpers.viz", "show_images")):
            try:
                m = __import__(module, fromlist=["x"])
                args = {"synonyms": ("good",), "log_mel": (torch.zeros(1, 400), 16000),
                        "show_images": (torch.zeros(1, 1, 2, 2),)}[call]
                getattr(m, call)(*args)
            except helpers._extras.MissingExtraError as err:
                print(module, "|", str(err).splitlines()[-1].strip())
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines == [
        "helpers.tabular | pip install 'augcourse-helpers[tabular]'   (or: pip install scikit-learn)",
        "helpers.text.eda | pip install 'augcourse-helpers[text]'   (or: pip install nltk)",
        "helpers.audio | pip install 'augcourse-helpers[audio]'   (or: pip install torchaudio)",
        "helpers.viz | pip install 'augcourse-helpers[notebook]'   (or: pip install matplotlib)",
    ]


def test_require_keeps_an_unrelated_import_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "nltk", None)  # None in sys.modules: import fails
    with pytest.raises(_extras.MissingExtraError, match=r"helpers.text needs nltk"):
        _extras.require("nltk", "helpers.text")
    with pytest.raises(ModuleNotFoundError) as info:
        _extras.require("no_such_module_here", "x")
    assert not isinstance(info.value, _extras.MissingExtraError)


def _fake_course(folder: Path) -> Path:
    (folder / "helpers").mkdir(parents=True)
    (folder / "helpers" / "__init__.py").write_text("")
    (folder / "pyproject.toml").write_text("")
    return folder


def test_data_root_inside_a_course_folder_outside_it_and_from_the_environment(
        tmp_path, monkeypatch):
    monkeypatch.delenv("AUGCOURSE_DATA", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(sys, "platform", "linux")
    # Installed from a wheel: the package's folder is no course folder.
    monkeypatch.setattr(paths, "_PACKAGE_ROOT", tmp_path / "site-packages")
    monkeypatch.chdir(tmp_path)
    assert paths.find_course_root() is None
    assert paths.data_root() == tmp_path / "xdg" / "augcourse"
    with pytest.raises(paths.MissingDataError, match="course folder"):
        paths.course_root()
    # A notebook two folders below a course folder still finds it, and its data/.
    course = _fake_course(tmp_path / "course")
    (course / "notebooks" / "05_audio").mkdir(parents=True)
    monkeypatch.chdir(course / "notebooks" / "05_audio")
    assert paths.course_root() == course
    assert paths.data_root() == course / "data"
    monkeypatch.setenv("AUGCOURSE_DATA", str(tmp_path / "mine"))
    assert paths.data_root() == tmp_path / "mine"


def test_the_course_root_is_this_checkout():
    assert paths.course_root() == ROOT
    assert paths.is_course_root(ROOT) and (ROOT / "nbgrader_config.py").is_file()


def test_no_module_counts_parent_folders_to_find_the_course():
    offenders = []
    for folder in ("helpers", "teacher", "scripts", "bench", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if "fixtures/submissions" in str(path):
                continue
            if re.search(r"__file__\)\.resolve\(\)\.parents\[", path.read_text()):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [str(Path("helpers/data/paths.py"))]


# The setup script also installs the teacher's and the test suite's tools; a student needs none.
TEACHER_ONLY = {"chromium", "bubblewrap", "postgresql"}


def test_doctor_lists_the_same_system_packages_as_the_setup_script():
    script = (ROOT / "scripts" / "setup_system.sh").read_text()
    block = script.split("PACKAGES=(\n")[1].split("\n)\n")[0]
    listed = re.findall(r"^\s+([a-z0-9.+-]+)\s+#", block, re.M)
    assert [p for p in listed if p not in TEACHER_ONLY] == list(doctor.SYSTEM_PACKAGES)


def test_doctor_fixes_name_the_debian_the_hosted_and_the_nltk_commands(monkeypatch):
    import helpers.data.wordnet as wordnet

    def missing():
        raise paths.MissingDataError("no wordnet")

    monkeypatch.setattr(wordnet, "use_project_wordnet", missing)
    row = doctor._wordnet()
    assert not row.ok
    assert "sudo apt-get install --no-install-recommends wordnet-base wordnet-sense-index" in row.fix
    assert "!apt-get install -y wordnet-base wordnet-sense-index" in row.fix
    assert "nltk.download('wordnet')" in row.fix


def test_outside_the_course_the_doctor_wants_the_tested_minimum(monkeypatch):
    monkeypatch.setattr(doctor, "PINNED", {})
    monkeypatch.setitem(doctor.MINIMUM, "torch", "99.0")
    row = doctor._package("torch")
    assert not row.ok and "tested from 99.0" in row.found and "torch>=99.0" in row.fix
    monkeypatch.setitem(doctor.MINIMUM, "torch", "2.9.1")
    assert doctor._package("torch").ok
