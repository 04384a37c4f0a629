"""The student side never imports the teacher side.

Student side: the ``helpers`` package and the released notebooks (``notebooks/``). Teacher side:
the ``teacher`` package (grader, answer keys) and ``solutions/``. Checked statically (every
import statement, read with ``ast``) and dynamically (importing every ``helpers`` module in a
fresh interpreter leaves ``teacher`` out of ``sys.modules``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import nbformat
from conftest import ROOT

TEACHER_SIDE = ("teacher", "solutions")


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, top-level module name) of every absolute import in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              in ("import_module", "__import__") and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            found.append((node.lineno, node.args[0].value.split(".")[0]))
    return sorted(found)


def _student_sources():
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        yield path.relative_to(ROOT), path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for n, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                # IPython magics and shell lines are not Python: blank them, keep line numbers
                text = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                 for line in cell.source.splitlines())
                yield f"{path.relative_to(ROOT)} cell {n + 1}", text


def test_detector_sees_every_form_of_import():
    code = ("import teacher.grader\nfrom teacher.drills import PARTS\nimport importlib\n"
            "importlib.import_module('solutions.x')\nfrom . import sibling\nimport torch\n")
    assert _imported_modules(ast.parse(code)) == [
        (1, "teacher"), (2, "teacher"), (3, "importlib"), (4, "solutions"), (6, "torch")]


def test_student_side_has_no_import_of_the_teacher_side():
    bad = []
    n_sources = 0
    for where, text in _student_sources():
        n_sources += 1
        for line, module in _imported_modules(ast.parse(text)):
            if module in TEACHER_SIDE:
                bad.append(f"{where}:{line} imports {module}")
    assert n_sources > 50, "the student side was not found"
    assert not bad, "the student side imports the teacher side:\n" + "\n".join(bad)


def test_importing_every_helpers_module_loads_nothing_of_the_teacher_side():
    code = (
        "import importlib, json, pkgutil, sys\n"
        "import helpers\n"
        "names = [m.name for m in pkgutil.walk_packages(helpers.__path__, 'helpers.')\n"
        "         if not m.name.endswith('__main__')]\n"
        "for name in names:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps({'imported': names, 'teacher': sorted(m for m in sys.modules\n"
        "      if m.split('.')[0] in ('teacher', 'solutions'))}))\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                          "MPLBACKEND": "Agg"})
    report = json.loads(out.stdout.strip().splitlines()[-1])
    assert "helpers.drills.probes.prelude" in report["imported"] and len(report["imported"]) > 30
    assert report["teacher"] == []
