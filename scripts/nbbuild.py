"""Author a new nbgrader source notebook from a percent-format script (optional tool).

Cell markers (each starts a cell):
  # %% [markdown]                      markdown (lines prefixed '# ' are unprefixed)
  # %%                                 plain code
  # %% [solution id=ex1]               autograded answer (code with BEGIN/END SOLUTION)
  # %% [tests id=ex1_tests points=2]   autograder tests (locked)
  # %% [answer id=why1 points=1]       manually graded markdown answer
  # %% [locked-markdown id=...]        read-only markdown
Usage: python scripts/nbbuild.py SRC.py solutions/NN_name/NN_name.ipynb
The notebook in solutions/ is the source of truth afterwards; edit it in JupyterLab.
"""
import re
import sys

import nbformat

MARK = re.compile(r"^# %%(?: \[(?P<kind>[\w-]+)(?P<attrs>[^\]]*)\])?\s*$")


def parse_attrs(s):
    return dict(kv.split("=", 1) for kv in s.split())


def build(src):
    cells, cur = [], None
    for line in open(src).read().splitlines():
        m = MARK.match(line)
        if m:
            if cur:
                cells.append(cur)
            cur = {"kind": m.group("kind") or "code", "attrs": parse_attrs(m.group("attrs") or ""),
                   "lines": []}
        elif cur is not None:
            cur["lines"].append(line)
    if cur:
        cells.append(cur)
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python", "version": "3.11"},
    }
    for c in cells:
        lines = c["lines"]
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        kind, a = c["kind"], c["attrs"]
        if kind in ("markdown", "answer", "locked-markdown"):
            text = "\n".join(ln[2:] if ln.startswith("# ") else ln.lstrip("#") for ln in lines)
            cell = nbformat.v4.new_markdown_cell(text)
        else:
            cell = nbformat.v4.new_code_cell("\n".join(lines))
        meta = None
        if kind == "solution":
            meta = dict(grade=False, grade_id=a["id"], locked=False, schema_version=3, solution=True, task=False)
        elif kind == "tests":
            meta = dict(grade=True, grade_id=a["id"], locked=True, points=float(a["points"]),
                        schema_version=3, solution=False, task=False)
        elif kind == "answer":
            meta = dict(grade=True, grade_id=a["id"], locked=False, points=float(a["points"]),
                        schema_version=3, solution=True, task=False)
        elif kind == "locked-markdown":
            meta = dict(grade=False, grade_id=a["id"], locked=True, schema_version=3, solution=False, task=False)
        if meta:
            cell.metadata["nbgrader"] = meta
        if kind == "demo":  # runs a student's answer: may raise NotImplementedError in the release
            cell.metadata["tags"] = ["exercise-demo"]
        cells_id = a.get("id")
        cell.id = cells_id.replace("_", "-") if cells_id else f"cell-{len(nb.cells)}"
        nb.cells.append(cell)
    return nb


if __name__ == "__main__":
    nb = build(sys.argv[1])
    nbformat.validate(nb)
    nbformat.write(nb, sys.argv[2])
    print(f"wrote {sys.argv[2]}: {len(nb.cells)} cells")
