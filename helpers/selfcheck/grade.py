"""Grade your own work without the teacher's files: visible tests and sealed checks.

* :func:`check` runs one notebook (a copy, in a temporary folder; the file is only read) and
  returns a :class:`SectionReport`: a row per exercise with its points, or "checked by your
  teacher" where the self-check cannot decide (hidden cases it has no seal for, a value on a
  rounding edge, written answers);
* before it runs, your answers are put into the release's cells, in the release's order
  (:mod:`.restore`, the teacher's grader does the same with its own copy): a test cell you
  moved, edited or deleted is back as released, and the report's notes say so;
* :func:`progress` does it for every section you have started (an answer cell differs from the
  release); results are cached by the notebook's content.

What decides a row: in sections 1-8 a test cell whose visible checks fail earns nothing (the
teacher's grader runs the same checks first); one whose visible checks pass earns its points when
it has no hidden cases, else its sealed checks decide it (:mod:`.sealed_calls`) or, without them, it
is left to the teacher. In the drills, the parts with sealed
checks (``data/course.json``) get the points the teacher's grader would give; the multiple-choice
and true/false parts are checked together, all right or not (one group seal). A section's
short true/false table (1.1, 3.4) has no seal: with fewer possible answers than
``seal.MIN_GROUP_ANSWERS`` a hash would be the answer key, so it is left to the teacher.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

import nbformat

from helpers.data.paths import find_course_root

from .cells import digest, is_grade, meta
from .report import TEACHER, ExerciseRow, SectionReport, cell_feedback
from .restore import restore
from .seal import FAILED, PASSED, UNDECIDED, group_hash, verify
from .sealed_calls import decide
from .sealed_calls import probes as section_probes

# The course folder (where notebooks/ sits); without one, the working folder.
COURSE = find_course_root() or Path.cwd()
DATA = Path(__file__).resolve().parent / "data"
CACHE = COURSE / ".augcourse" / "selfcheck-sealed.json"
_MAX_MESSAGE = 240


@functools.lru_cache(maxsize=4)
def _load(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def course_data(data: Path = DATA) -> dict:
    """The released course's graded cells and sealed checks (written by the teacher side)."""
    path = Path(data) / "course.json"
    if not path.is_file():
        raise ValueError(f"data: no self-check data at {path}; ask your teacher for the handout's "
                         "helpers/selfcheck/data folder")
    return _load(str(path))


def sections(data: Path = DATA) -> list[str]:
    """The sections with graded exercises, in order."""
    return sorted(course_data(data)["sections"])


def working_copy(section: str, root: Path = COURSE, data: Path = DATA) -> Path:
    """Where your copy of ``section`` lives: ``notebooks/<section>/<name>.ipynb``."""
    return root / "notebooks" / section / course_data(data)["sections"][section]["notebook"]


def touched(path: Path, section: str, data: Path = DATA) -> bool:
    """True when an answer cell of ``path`` differs from the release (you started)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable file counts as started: checking says why
        return True
    mine = {meta(c).get("grade_id"): c for c in nb.cells if meta(c).get("grade_id")}
    for row in course_data(data)["sections"][section]["cells"]:
        if row["answer"]:
            cell = mine.get(row["grade_id"])
            if cell is None or digest(cell.source) != row["release_digest"]:
                return True
    return False


def val_variant_key(v: dict) -> str:
    """Which sealed cases of D2's validation transform belong to your numbers."""
    return json.dumps([v["resize"], v["crop"], list(v["mean"]), list(v["std"])])


# ----------------------------------------------------------------------------- sealed drill parts

def _verdict(seals: list, value, salt: str, where: str) -> str:
    comps = [value] if len(seals) == 1 else (value if isinstance(value, list) and len(value) == len(seals)
                                             else None)
    if comps is None:
        return FAILED
    found = [verify(s, c, salt=salt, where=f"{where}|{k}") for k, (s, c) in enumerate(zip(seals, comps, strict=True))]
    return FAILED if FAILED in found else (UNDECIDED if UNDECIDED in found else PASSED)


def score_sealed(gid: str, entry: dict, answer, salt: str, v: dict) -> tuple[float | None, str]:
    """Points of one sealed drill part (None: undecided) and a message in words."""
    cases = entry["cases"] if "cases" in entry else entry["by_variant"].get(val_variant_key(v))
    if cases is None:
        return None, f"no sealed cases for your numbers: {TEACHER}"
    rule, points = entry["rule"], float(entry["points"])
    if rule == "all":
        answer = [answer]
    if isinstance(answer, dict) and set(answer) == {"error"}:
        return 0.0, f"your code raised {answer['error']}"[:_MAX_MESSAGE]
    if not (isinstance(answer, list) and len(answer) == len(cases)):
        return 0.0, "no answer for the sealed cases"
    verdicts, single = [], True
    for n, (seals, a) in enumerate(zip(cases, answer, strict=True)):
        if rule == "tta":
            ok = isinstance(a, list) and len(a) == 2
            single = single and ok and a[1] == 1
            a = a[0] if ok else None
        verdicts.append(_verdict(seals, a, salt, f"{gid}|{n}"))
    n = len(cases)
    passed = verdicts.count(PASSED)
    if UNDECIDED in verdicts:
        return None, (f"{passed} of {n} sealed cases correct, {verdicts.count(UNDECIDED)} too close to "
                      f"call: {TEACHER}")
    if rule == "tta":
        earned = 1.5 * passed / n + (0.5 if passed == n and single else 0.0)
    elif rule == "all":
        earned = points if passed == n else 0.0
    else:
        earned = points * passed / n
    message = f"{passed} of {n} sealed cases correct"
    if rule == "tta" and passed and not single:
        message += "; stack the views into one batch and call the model once"
    return round(earned, 6), message


def answer_table(x):
    """A true/false table as its group hash sees it: the (key, value) pairs in key order; None
    when ``x`` is not a dict."""
    return [[k, x[k]] for k in sorted(x)] if isinstance(x, dict) else None


def draw_key(picks) -> str:
    """Which statements a student answers (one index per slot), as the group's seals are keyed."""
    return "".join(str(k) for k in picks)


def score_group(group: dict, answer, salt: str, v: dict) -> bool:
    """True when every multiple-choice / true-false answer of the drills' group is right."""
    if not isinstance(answer, dict) or set(answer) == {"error"}:
        return False

    def options(name, order_key):
        """The option indices a string of letters such as 'bd' picks, sorted; None if unreadable."""
        got = answer.get(name)
        letters = got.replace(",", "").replace(" ", "").lower() if isinstance(got, str) else ""
        if not letters or set(letters) - set("abcde") or len(set(letters)) != len(letters):
            return None
        return sorted(v[order_key]["abcde".index(c)] for c in letters)

    values = [options("D2_ANSWER", "d2_order"), answer_table(answer.get("PRESERVES")),
              options("D5_ANSWER", "d5_order")]
    want = group["by_draw"].get(draw_key(v["d3_picks"]))
    return want is not None and group_hash(values, salt=salt, where="drills-choices") == want


# ----------------------------------------------------------------------------- one notebook

def release_notebook(section_data: dict) -> nbformat.NotebookNode:
    """The release of a section as handed out: its cells that run or are graded, in order."""
    blank = {"outputs": [], "execution_count": None}
    return nbformat.v4.new_notebook(cells=[nbformat.from_dict({**c, **blank} if c["cell_type"] == "code" else c)
                                           for c in section_data["release"]])


def _probes(sealed: dict) -> dict[str, str]:
    from helpers.drills.probes import prelude_source, probe_source

    out = {gid: prelude_source() + probe_source(entry["probe"]) for gid, entry in sealed["parts"].items()}
    out["__choices__"] = prelude_source() + probe_source("values", tuple(sealed["group"]["names"]))
    return out


def check(path, section: str | None = None, student: str | None = None, *,
          data: Path = DATA, timeout: float | None = None) -> SectionReport:
    """Check the notebook at ``path`` with its visible tests and sealed checks (only read).

    ``timeout``: seconds a cell may run (default ``runner.CELL_TIMEOUT``).
    """
    from helpers.drills.variant import student_id, variant

    from .runner import CELL_TIMEOUT, run_with_probes

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"path: no notebook at {path}")
    course = course_data(data)
    section = section or _section_of(path, course)
    sdata = course["sections"][section]
    student = student or student_id()
    t0 = time.monotonic()
    try:
        # your answers in the release's cells and order: moved, edited or deleted tests are
        # put back, as the teacher's grader does
        nb, restored = restore(release_notebook(sdata), nbformat.read(path, as_version=4))
    except Exception as e:  # noqa: BLE001 - an unreadable file earns nothing
        rows = [ExerciseRow(r["grade_id"], r["title"], 0.0, r["points"], "failed",
                            f"the notebook could not be read ({type(e).__name__})")
                for r in sdata["cells"] if r["grade"]]
        return SectionReport(section, str(path), student, "graded", rows)
    sealed = sdata.get("sealed")
    probes = _probes(sealed) if sealed else {}
    probes.update(section_probes(section, sdata.get("sealed_calls", {})))
    answers, note = run_with_probes(nb, probes, Path(data) / "sealed_inputs.pt",
                                    student=student, timeout=timeout or CELL_TIMEOUT)
    cells = {meta(c).get("grade_id"): c for c in nb.cells if is_grade(c)}
    v = variant(student)
    group_ok = score_group(sealed["group"], answers.get("__choices__"), course["salt"], v) if sealed else False
    rows = [_row(r, cells.get(r["grade_id"]), sealed, answers, group_ok, course["salt"], v)
            for r in sdata["cells"] if r["grade"]]
    rows = [decide(row, section, sdata, answers, course["salt"]) for row in rows]
    return SectionReport(section, str(path), student, "graded", rows, restored + ([note] if note else []),
                         time.monotonic() - t0)


def _row(r: dict, cell, sealed, answers, group_ok: bool, salt: str, v: dict) -> ExerciseRow:
    gid, title, points = r["grade_id"], r["title"], float(r["points"])
    if r["cell_type"] == "markdown" or r["answer"]:
        return ExerciseRow(gid, title, None, points, "teacher-graded", "written answer: your teacher grades it")
    visible = cell_feedback(cell) if cell is not None else "the test cell is missing"
    failed_visible = cell is None or any(o.get("output_type") == "error" for o in cell.get("outputs", []))
    if sealed is not None:
        if gid in sealed["group"]["parts"]:
            if group_ok:
                return ExerciseRow(gid, title, points, points, "passed")
            return ExerciseRow(gid, title, 0.0, points, "failed",
                               "not every answer of D2, D3.1 and D5's choices is right (checked together)")
        if gid in sealed["parts"]:
            earned, message = score_sealed(gid, sealed["parts"][gid], answers.get(gid), salt, v)
            if earned is None:
                return ExerciseRow(gid, title, None, points, TEACHER, message)
            status = "passed" if earned >= points - 1e-9 else ("partial" if earned > 0 else "failed")
            if failed_visible and status != "passed":
                message = f"{message} | {visible}"
            return ExerciseRow(gid, title, earned, points, status, "" if status == "passed" else message[:_MAX_MESSAGE])
        return ExerciseRow(gid, title, None, points, TEACHER,
                           (f"visible checks: {visible} | " if failed_visible else "") +
                           "judged from your own numbers or measurements")
    if failed_visible:
        return ExerciseRow(gid, title, 0.0, points, "failed", visible)
    if r.get("hidden"):
        return ExerciseRow(gid, title, None, points, TEACHER, "visible checks pass; the hidden cases are "
                           "checked by your teacher")
    return ExerciseRow(gid, title, points, points, "passed")


def _section_of(path: Path, course: dict) -> str:
    known = course["sections"]
    for name in (path.parent.name, path.stem):
        if name in known:
            return name
    raise ValueError(f"path: cannot tell which section {path.name} belongs to; pass section= "
                     f"(one of {', '.join(sorted(known))})")


# ----------------------------------------------------------------------------- the series

def _not_started(section: str, path: Path, student: str, status: str, data: Path) -> SectionReport:
    rows = []
    for r in course_data(data)["sections"][section]["cells"]:
        if r["grade"]:
            manual = r["cell_type"] == "markdown" or r["answer"]
            rows.append(ExerciseRow(r["grade_id"], r["title"], None if manual else 0.0, r["points"],
                                    "teacher-graded" if manual else "not started"))
    return SectionReport(section, str(path), student, status, rows)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def progress(folder: Path | None = None, student: str | None = None, *, root: Path = COURSE,
             data: Path = DATA, cache: Path | None = CACHE, show_progress: bool = True) -> list[SectionReport]:
    """Reports for every section: checked when started, else "not started" with zero points."""
    from helpers.drills.variant import student_id

    student = student or student_id()
    folder = Path(folder) if folder is not None else root / "notebooks"
    try:
        cached = json.loads(cache.read_text()) if cache is not None else {}
    except (OSError, ValueError):
        cached = {}
    course_digest = _sha(Path(data) / "course.json")
    reports, changed = {}, False
    names = sections(data)
    todo = []
    for section in names:
        path = folder / section / course_data(data)["sections"][section]["notebook"]
        if not path.is_file():
            reports[section] = _not_started(section, path, student, "missing", data)
        elif not touched(path, section, data):
            reports[section] = _not_started(section, path, student, "not started", data)
        else:
            key = f"{section}|{student}|{_sha(path)}|{course_digest}"
            if key in cached:
                d = dict(cached[key])
                reports[section] = SectionReport(rows=[ExerciseRow(**r) for r in d.pop("rows")], **d)
            else:
                todo.append((section, path, key))
    if todo:
        from tqdm.auto import tqdm

        bar = tqdm(todo, desc="self-check", unit="section", disable=not show_progress)
        for section, path, key in bar:
            bar.set_postfix_str(section)
            reports[section] = check(path, section, student, data=data)
            cached[key] = asdict(reports[section])
            changed = True
    if changed and cache is not None:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            cache.write_text(json.dumps(cached, indent=1))
        except OSError:
            pass  # a read-only course folder only loses the cache
    return [reports[s] for s in names]
