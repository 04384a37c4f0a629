"""Write the measured notebook run times into the course's one table (helpers/section_times.py).

    PYTHONPATH=$PWD python -m pytest -q tests/test_notebooks.py -k solution   # measures
    PYTHONPATH=$PWD python scripts/record_times.py                             # records

The notebook tests store the seconds of every solution notebook they run in
``.artifacts/notebook_times.json``; sections not run keep their previous value.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the checkout

from helpers import section_times  # noqa: E402
from helpers.data.paths import course_root  # noqa: E402

ROOT = course_root()


def machine_name() -> str:
    """The CPU the times were measured on, as students read it under each notebook."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    for mark in ("(R)", "(TM)", " Processor", " CPU"):
        model = model.replace(mark, "")
    return (
        f"a {os.cpu_count()}-core {' '.join(model.split())} server CPU (the course's test machine)"
    )


def main() -> None:
    measured = json.loads((ROOT / ".artifacts" / "notebook_times.json").read_text())
    table = dict(section_times.SECONDS)
    for path, seconds in measured.items():
        parts = Path(path).parts
        if parts[0] == "solutions":
            table[parts[1]] = round(float(seconds), 0)
    target = ROOT / "helpers" / "section_times.py"
    text = target.read_text()
    head = text[: text.index("MACHINE = ")]
    rows = "".join(f'    "{name}": {seconds},\n' for name, seconds in sorted(table.items()))
    target.write_text(f"{head}MACHINE = {machine_name()!r}\n\nSECONDS = {{\n{rows}}}\n")
    print(f"recorded {len(measured)} measured notebooks into {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
