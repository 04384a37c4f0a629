"""Write the measured notebook run times into the course's one table (helpers/section_times.py).

    PYTHONPATH=$PWD python -m pytest -q tests/test_notebooks.py -k solution   # measures
    PYTHONPATH=$PWD python scripts/record_times.py                             # records

The notebook tests store the seconds of every solution notebook they run in
``.artifacts/notebook_times.json``; sections not run keep their previous value.
"""

from __future__ import annotations

import json
import pprint
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from the checkout

from helpers import section_times  # noqa: E402
from helpers.data.paths import course_root  # noqa: E402

ROOT = course_root()


def main() -> None:
    measured = json.loads((ROOT / ".artifacts" / "notebook_times.json").read_text())
    table = dict(section_times.SECONDS)
    for path, seconds in measured.items():
        parts = Path(path).parts
        if parts[0] == "solutions":
            table[parts[1]] = round(float(seconds), 0)
    target = ROOT / "helpers" / "section_times.py"
    text = target.read_text()
    head = text[: text.index("SECONDS = ")]
    target.write_text(head + "SECONDS = " + pprint.pformat(table, sort_dicts=True, width=60) + "\n")
    print(f"recorded {len(measured)} measured notebooks into {target.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
