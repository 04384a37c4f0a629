"""The first cell of every notebook: it sets up a hosted notebook (Colab, Kaggle) and does
nothing elsewhere.

The hosted case runs the real cell in a fresh virtual environment that plays the hosted
machine: it already has the libraries (torch, scikit-learn, ... linked in from this
environment, as Colab and Kaggle preinstall them) but not the course package, which pip gets
from a wheel built here (no index). ``apt-get`` and ``dpkg-query`` are stand-ins that record
what would be installed, so the test never changes this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import textwrap

import nbformat
import pytest
from conftest import ROOT

NOTEBOOKS = sorted(ROOT.glob("solutions/*/*.ipynb")) + sorted(ROOT.glob("notebooks/*/*.ipynb"))
SIGNALS = ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE")


def _first_cell(path):
    return nbformat.read(path, as_version=4).cells[0]


def test_every_notebook_starts_with_the_same_hosted_setup_cell():
    cells = [_first_cell(p) for p in NOTEBOOKS]
    assert len(cells) == 20
    assert {(c.cell_type, c.get("id")) for c in cells} == {("code", "hosted-setup")}
    assert len({c.source for c in cells}) == 1
    assert "prepare_hosted()" in cells[0].source


def _run_cell(python, env, cwd):
    code = _first_cell(NOTEBOOKS[0]).source + "\nprint('modules:', 'helpers' in sys.modules)\n"
    return subprocess.run([python, "-c", code], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=600)


def test_the_cell_does_nothing_on_a_machine_that_is_not_hosted(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in SIGNALS}
    proc = _run_cell(sys.executable, env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "modules: False\n" and proc.stderr == ""


FAKE_DPKG = """#!/bin/sh
# dpkg-query -W -f=... NAME: installed once the fake apt-get has "installed" it
name=$(eval echo \\${$#})
[ -e "$FAKE_APT_DIR/$name" ] && printf 'install ok installed'
exit 0
"""
FAKE_APT = """#!/bin/sh
echo "$*" >> "$FAKE_APT_DIR/log"
if [ "$1" = install ]; then for a in "$@"; do touch "$FAKE_APT_DIR/$a"; done; fi
exit 0
"""


@pytest.fixture(scope="module")
def hosted(tmp_path_factory):
    """A fresh environment with the hosted machine's libraries but no course package."""
    tmp = tmp_path_factory.mktemp("hosted")
    dist = tmp / "dist"
    subprocess.run([sys.executable, "-c", "from setuptools import build_meta as b; "
                    f"b.build_wheel({str(dist)!r})"], cwd=ROOT, check=True, capture_output=True)
    venv = tmp / "venv"
    # Without its own pip and setuptools: the preinstalled ones serve, as on Colab.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    # The preinstalled libraries: every package of this environment except the course's own.
    preinstalled = tmp / "preinstalled"
    preinstalled.mkdir()
    site = sysconfig.get_paths()["purelib"]
    for entry in os.listdir(site):
        low = entry.lower()
        if not (low.startswith(("augcourse", "__editable__", "helpers", "teacher"))
                or low.endswith(".pth")):
            (preinstalled / entry).symlink_to(os.path.join(site, entry))
    venv_site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()"
                                "['purelib'])"], capture_output=True, text=True, check=True)
    with open(os.path.join(venv_site.stdout.strip(), "hosted-preinstalled.pth"), "w") as f:
        f.write(str(preinstalled) + "\n")
    fake = tmp / "fakebin"
    fake.mkdir()
    for name, text in (("dpkg-query", FAKE_DPKG), ("apt-get", FAKE_APT)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    (tmp / "apt").mkdir()
    (tmp / "work").mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in (*SIGNALS, "PYTHONPATH", "AUGCOURSE_DATA", "VIRTUAL_ENV")}
    env.update(PATH=f"{fake}{os.pathsep}{venv / 'bin'}{os.pathsep}{env['PATH']}",
               FAKE_APT_DIR=str(tmp / "apt"), XDG_DATA_HOME=str(tmp / "share"),
               PIP_NO_INDEX="1", PIP_FIND_LINKS=str(dist), PIP_DISABLE_PIP_VERSION_CHECK="1")
    return {"tmp": tmp, "python": python, "env": env, "site": venv_site.stdout.strip()}


def test_the_cell_sets_up_a_hosted_notebook_once(hosted):
    tmp, env = hosted["tmp"], hosted["env"]
    first = _run_cell(hosted["python"], {**env, "KAGGLE_KERNEL_RUN_TYPE": "Interactive"},
                      tmp / "work")
    assert first.returncode == 0, first.stdout + first.stderr
    # pip added the course package and nothing else: the preinstalled torch was kept.
    added = sorted(e for e in os.listdir(hosted["site"]) if e.endswith(".dist-info"))
    assert added == ["augcourse_helpers-0.1.0.dist-info"]
    # The operating-system packages, with apt-get as root (a hosted notebook's user).
    if os.geteuid() == 0:
        log = (tmp / "apt" / "log").read_text().splitlines()
        assert log[0] == "update -qq"
        assert log[1].startswith("install -y -qq --no-install-recommends wordnet-base")
        assert "espeak-ng" in log[1] and "apertium-eng-spa" in log[1] and len(log) == 2
    # The data went to the per-user folder (no course folder here), and loaders find it.
    data = tmp / "share" / "augcourse"
    assert (data / "nltk_data" / "corpora" / "wordnet" / "lexnames").is_file()
    assert (data / "speech" / "espeak" / "manifest.csv").is_file()
    check = subprocess.run([hosted["python"], "-c", textwrap.dedent("""
        import helpers.data as d
        from nltk.corpus import wordnet
        d.use_project_wordnet()
        print(d.data_root(), len(d.load_spoken_digits('test')), len(wordnet.synsets('good')))
        """)], env=env, cwd=tmp / "work", capture_output=True, text=True)
    assert check.stdout.split() == [str(data), "100", "27"], check.stdout + check.stderr

    # Run again, now as Colab: everything is in place, so nothing is installed or prepared.
    again = _run_cell(hosted["python"], {**env, "COLAB_RELEASE_TAG": "release-colab"},
                      tmp / "work")
    assert again.returncode == 0, again.stderr
    assert again.stdout == "modules: True\n" and again.stderr == ""
    if os.geteuid() == 0:
        assert len((tmp / "apt" / "log").read_text().splitlines()) == 2
