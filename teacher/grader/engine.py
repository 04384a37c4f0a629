"""Grade one submission: restore, run in a sandbox, score with trusted verdicts, give feedback.

``grade_notebook(path, assignment, student_id)`` needs no gradebook; it returns a
:class:`GradeResult` with the score of every graded cell, notes for the student, and the
autograded notebook. The class command (``teacher.grader.classroom``) calls it once per student.
The kernel runs confined by bubblewrap (``teacher.grader.sandbox``) unless told otherwise.

Two strategies score a notebook once its cells have run in the kernel:

* :class:`InKernelTests` (sections 1-8): the test cells, hidden tests restored from the
  source, run in the kernel, each after a reset of builtins and the comparison functions
  (``helpers.guard``);
* :class:`TrustedVerdicts` (the drills, ``09_drills``): the in-notebook hidden tests are not
  run; the grader writes each part's hidden inputs to a folder the kernel can only read, asks
  the student's kernel to call the student's functions on them and save the answers as plain
  data with a one-time nonce, loads the answers here (``torch.load(weights_only=True)``: data
  only, never code) and scores them with the drills' checks (``teacher.drills``), which the kernel never imports.
  Nothing the student's code does to torch, numpy, builtins or IPython can change the comparison.
"""

from __future__ import annotations

import io
import json
import os
import secrets
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from helpers.data.paths import course_root
from teacher.secret import DEFAULT_SECRET, course_secret  # noqa: F401 - DEFAULT_SECRET: API

from .restore import is_grade, is_solution, is_test, meta, restore, strip_hidden
from .sandbox import Limits, Sandbox, isolation_problem, require_isolation
from .sandbox import Workspace as _Workspace
from .warm import KernelPlan, SubmissionKernel, WarmPool, guard_snapshot_code, notebook_modules

ROOT = course_root()
TRUSTED_ASSIGNMENTS = ("09_drills",)
MAX_ANSWER_BYTES = 50 * 1024**2


@dataclass
class GradeResult:
    """Scores of one submission. ``parts``: grade_id -> (score or None for manual, max)."""

    student: str
    assignment: str
    notebook: str
    parts: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    messages: dict = field(default_factory=dict)
    status: str = "graded"
    seconds: float = 0.0
    autograded: object = None
    # where the seconds went: prepare (read, restore), kernel (start, or claim of a warm one),
    # cells, checks, verdicts, files (autograded notebook, feedback page, kernel shut-down),
    # and the three slowest cells (their label: seconds)
    timings: dict = field(default_factory=dict)

    @property
    def total(self) -> float:
        return float(sum(s for s, _ in self.parts.values() if s is not None))

    @property
    def max_total(self) -> float:
        return float(sum(m for _, m in self.parts.values()))


def source_notebook(assignment: str, name: str | None = None, root: Path = ROOT) -> Path:
    folder = root / "solutions" / assignment
    if name and (folder / name).exists():
        return folder / name
    found = sorted(folder.glob("*.ipynb"))
    if len(found) != 1:
        raise ValueError(f"assignment {assignment!r}: expected one notebook in {folder}, found {len(found)}")
    return found[0]


def _error_output(ename: str, text: str):
    return nbformat.v4.new_output("error", ename=ename, evalue=text, traceback=[f"{ename}: {text}"])


def _stream(text: str):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


_DEATH = {
    "died": "the kernel stopped while running this cell (os._exit, a crash or a kill signal)",
    "memory": "this cell used more memory than allowed; the kernel was stopped",
    "timeout-killed": "this cell ran past the time limit and ignored the interrupt; the kernel was stopped",
}


class _Runner:
    """Runs cells with restart-and-replay on kernel death. ``guard``: snapshot every course
    module (the in-kernel tests compare with them), not only builtins and torch/numpy."""

    def __init__(self, sandbox: Sandbox, limits: Limits, notes: list, guard: bool, snapshot_taken: bool = False):
        self.sb, self.limits, self.notes, self.guard = sandbox, limits, notes, guard
        self.history: list[str] = []
        self.seconds: dict[str, float] = {}  # label -> seconds of each cell that ran
        self.restarts = 0
        self.start = time.monotonic()
        if not snapshot_taken:  # a warm kernel took it before its imports (teacher.grader.warm)
            self.sb.execute(self._snapshot_code(), self._setup_timeout())

    def _setup_timeout(self) -> float:
        # The guard's snapshot imports torch: the grader's own set-up, not a student's cell, so
        # a loaded machine must not make it run into the cell limit.
        return max(self.limits.cell_timeout, self.limits.startup_timeout)

    def _snapshot_code(self) -> str:
        # The drills' verdicts are computed outside the kernel: there the guard only needs the
        # builtins and comparison functions, not every course module (saves seconds a student).
        return guard_snapshot_code(self.guard)

    def time_left(self) -> float:
        return self.limits.notebook_timeout - (time.monotonic() - self.start)

    def recover(self) -> bool:
        if self.restarts >= self.limits.max_restarts:
            return False
        self.restarts += 1
        self.sb.restart()
        self.sb.execute(self._snapshot_code(), self._setup_timeout())
        for code in self.history:
            r = self.sb.execute(code, self.limits.cell_timeout)
            if r.status in _DEATH:
                self.sb.restart()
                return False
        return True

    def run_cell(self, cell, label: str) -> str:
        if self.time_left() <= 0:
            cell.outputs = [_error_output("NotRun", "not run: the notebook's time limit was reached")]
            return "skipped"
        if self.restarts >= self.limits.max_restarts and not self.sb.alive():
            cell.outputs = [_error_output("NotRun", "not run: the kernel had to be restarted too often")]
            return "skipped"
        if self.guard and is_test(cell) and not self._reset():
            cell.outputs = [_error_output(
                "GradingTampered", "the notebook changed how IPython runs code, so this test could not be "
                                   "run safely; it scores 0")]
            self.notes.append(f"{label}: IPython's code execution was altered; the test scored 0")
            return "tampered"
        outs: list = []
        timeout = min(self.limits.cell_timeout, max(1.0, self.time_left()))
        r = self.sb.execute(cell.source, timeout, outs)
        cell.outputs = outs
        if os.environ.get("AUGCOURSE_GRADER_DEBUG"):
            print(f"{label}: {r.status} {r.seconds:.2f}s", file=sys.stderr)
        if r.status == "timeout":
            cell.outputs = [o for o in outs if o.get("output_type") != "error"]
            cell.outputs.append(_error_output("Timeout", f"this cell ran longer than {timeout:g} s and was stopped"))
            self.notes.append(f"{label}: stopped after {timeout:g} s (time limit per cell)")
        elif r.status in _DEATH:
            cell.outputs.append(_error_output("KernelDied", _DEATH[r.status]))
            self.notes.append(f"{label}: {_DEATH[r.status]}; the kernel was restarted, the cells before "
                              "it were run again and this one was skipped")
            if not self.recover():
                self.notes.append("the kernel could not be restarted again: the remaining cells were not run")
            return r.status
        self.history.append(cell.source)
        self.seconds[label] = r.seconds
        return r.status

    def reset(self) -> bool:
        """Restore builtins and comparison functions; False when the reset did not run."""
        return self._reset()

    def _reset(self) -> bool:
        nonce = secrets.token_hex(8)
        outs: list = []
        self.sb.execute(f"_augcourse_guard.restore()\nprint('{nonce}')", self.limits.cell_timeout, outs)
        return any(nonce in o.get("text", "") for o in outs)


def _tamper_report(sb: Sandbox, limits: Limits) -> list[str]:
    """Best-effort detection of changes to IPython and sys.modules (reported, not scored)."""
    found = []
    nonce = secrets.token_hex(8)
    outs: list = []
    sb.execute(f"print('{nonce}')", min(10.0, limits.cell_timeout), outs)
    if not any(nonce in o.get("text", "") for o in outs):
        found.append("the notebook changed how IPython runs code (input transformers)")
    outs = []
    sb.execute(f"raise RuntimeError('{nonce}')", min(10.0, limits.cell_timeout), outs)
    if not any(o.get("output_type") == "error" and nonce in o.get("evalue", "") for o in outs):
        found.append("the notebook changed how errors are reported (showtraceback)")
    outs = []
    code = ("import sys as _s, json as _j\n"
            "print('MODS' + _j.dumps({n: str(getattr(_s.modules[n], '__file__', None)) for n in "
            "('torch', 'numpy', 'helpers', 'helpers.mix', 'helpers.grading', 'helpers.drills') if n in _s.modules}))")
    sb.execute(code, min(10.0, limits.cell_timeout), outs)
    text = "".join(o.get("text", "") for o in outs)
    if "MODS" in text:
        try:
            mods = json.loads(text.split("MODS", 1)[1].strip().splitlines()[0])
            import importlib.util
            for name, path in mods.items():
                spec = importlib.util.find_spec(name)
                if spec is not None and spec.origin and (
                        path == "None" or os.path.realpath(path) != os.path.realpath(spec.origin)):
                    found.append(f"sys.modules[{name!r}] was replaced")
        except (ValueError, IndexError, ImportError):
            found.append("the module check could not be read")
    return found


_PROBE = """
def __augcourse_probe(__ns):
    import torch as _torch
    _scope = {{}}
    exec(compile({code!r}, "<grader-probe>", "exec"), _scope)
    _inputs = _torch.load({inp!r}, weights_only=True)
    try:
        _ans = _scope["_answer"](__ns, _inputs)
    except BaseException as _e:
        _ans = {{"error": type(_e).__name__ + ": " + str(_e)[:300]}}
    _torch.save({{"nonce": {nonce!r}, "answer": _ans}}, {out!r})
__augcourse_probe(globals())
del __augcourse_probe
"""


def _read_regular_file(path: Path, limit: int) -> bytes | None:
    """The bytes of ``path`` when it is a plain file of at most ``limit`` bytes, else None.

    The kernel can write the folder the answer comes from: a symlink (to a course file), a
    FIFO (which would block this process) or a device is never opened as the answer."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        return f.read(limit + 1)[:limit]


def _load_answer(path: Path, nonce: str):
    import torch

    if not os.path.lexists(path):
        return None, "no answer came back from your kernel"
    raw = _read_regular_file(path, MAX_ANSWER_BYTES)
    if raw is None:
        return None, "the answer was too large or not a plain file"
    try:
        data = torch.load(io.BytesIO(raw), weights_only=True, map_location="cpu")
    except Exception:  # noqa: BLE001 - anything unreadable is a garbled answer
        return None, "the answer could not be read as plain data"
    if not isinstance(data, dict) or data.get("nonce") != nonce:
        return None, "the answer did not come from the grader's request"
    return data.get("answer"), None


def _trusted_verdicts(sb: Sandbox, runner: _Runner, nb, work: _Workspace, student: str, limits: Limits,
                      secret: str, variants: bool = True) -> dict:
    import torch

    from helpers.drills.variant import ANONYMOUS, variant
    from teacher.drills.specs import PARTS_BY_ID, PROBE_PRELUDE, part_rng

    # The kernel was told the same (AUGCOURSE_VARIANTS): with variants off everyone has the
    # anonymous numbers, and the hidden inputs and references must follow.
    v = variant(student if variants else ANONYMOUS)
    verdicts = {}
    test_ids = [meta(c).get("grade_id") for c in nb.cells if is_test(c)]
    for gid in test_ids:
        part = PARTS_BY_ID.get(gid)
        if part is None:
            continue
        if not sb.alive() and not runner.recover():
            verdicts[gid] = (0.0, ["the grading probe could not run: your kernel stopped"])
            continue
        inputs = part.make_inputs(v, part_rng(part, v["student"], secret))
        nonce = secrets.token_hex(16)
        inp, out = work.inputs / f"in_{gid}.pt", work.kernel / f"answer_{gid}_{secrets.token_hex(4)}.pt"
        torch.save(inputs, inp)
        code = _PROBE.format(code=PROBE_PRELUDE + part.probe, inp=str(inp), out=str(out), nonce=nonce)
        r = sb.execute(code, part.timeout)
        if os.environ.get("AUGCOURSE_GRADER_DEBUG"):
            print(f"probe {gid}: {r.status} {r.seconds:.2f}s", file=sys.stderr)
        answer, problem = _load_answer(out, nonce)
        if r.status in ("timeout", "died", "memory", "timeout-killed"):
            problem = {"timeout": f"your code did not finish within {part.timeout:g} s on the hidden inputs",
                       "timeout-killed": f"your code did not finish within {part.timeout:g} s on the hidden inputs",
                       }.get(r.status, "your kernel stopped while your code ran on the hidden inputs")
            if r.status != "timeout":
                runner.recover()
        if problem:
            verdicts[gid] = (0.0, [f"the grading probe could not collect your answer: {problem} "
                                   "(the notebook may have changed how IPython runs code, exited or crashed)"])
            continue
        try:
            points, lines = part.score(v, inputs, answer)
        except Exception as e:  # noqa: BLE001 - a malformed answer scores 0, it never stops grading
            points, lines = 0.0, [f"your answer has an unexpected form ({type(e).__name__})"]
        verdicts[gid] = (float(min(max(points, 0.0), part.points)), lines)
    return verdicts


def _apply_verdict(cell, points: float, lines: list[str]):
    shown = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    outs = shown + [_stream("grader: " + "\n        ".join(lines) + "\n")]
    if points > 0:
        outs.append(nbformat.v4.new_output("execute_result", data={"text/plain": repr(float(points))},
                                           execution_count=cell.get("execution_count")))
    else:
        outs.append(_error_output("AssertionError", "; ".join(lines)))
    cell.outputs = outs


def _calm_stderr(cell):
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream" and o.get("name") == "stderr":
            o["name"] = "stdout"


def _scores(nb) -> dict:
    from nbgrader.utils import determine_grade

    parts = {}
    for cell in nb.cells:
        if is_grade(cell):
            score, max_points = determine_grade(cell)
            if is_solution(cell) and score == 0:
                score = None
            parts[meta(cell)["grade_id"]] = (score, max_points)
    return parts


class InKernelTests:
    """Sections 1-8: the restored test cells run in the kernel, each after ``helpers.guard``
    has put back builtins, torch/numpy comparisons and every course module."""

    guard_course_modules = True

    def prepare(self, nb) -> None:
        """Nothing to change: the hidden tests were restored from the source."""

    def score(self, sb: Sandbox, runner: _Runner, nb, work: _Workspace, result: GradeResult,
              secret: str) -> None:
        """The test cells already ran with the notebook; their outputs carry the scores."""


class TrustedVerdicts:
    """The drills: hidden tests are stripped before the run; afterwards every part's hidden
    inputs go to the kernel, its answers come back as plain data and are scored here."""

    guard_course_modules = False

    def __init__(self, variants: bool = True):
        self.variants = variants

    def prepare(self, nb) -> None:
        for cell in nb.cells:
            if is_test(cell):
                cell.source = strip_hidden(cell.source)

    def score(self, sb: Sandbox, runner: _Runner, nb, work: _Workspace, result: GradeResult,
              secret: str) -> None:
        if sb.alive() and not runner.reset():
            result.notes.append("the grader could not reset builtins before collecting answers")
        verdicts = _trusted_verdicts(sb, runner, nb, work, result.student, runner.limits, secret,
                                     self.variants)
        for cell in nb.cells:
            gid = meta(cell).get("grade_id")
            if is_test(cell) and gid in verdicts:
                _apply_verdict(cell, *verdicts[gid])
                result.messages[gid] = verdicts[gid][1]


def strategy_for(assignment: str, variants: bool = True):
    """How ``assignment`` is scored: :class:`TrustedVerdicts` or :class:`InKernelTests`."""
    return TrustedVerdicts(variants) if assignment in TRUSTED_ASSIGNMENTS else InKernelTests()


def _should_isolate(isolate: bool | None) -> bool:
    if isolate is None:  # a student's self-check: confined where bubblewrap works
        return isolation_problem() is None
    if isolate:
        require_isolation()
    return bool(isolate)


def _run_cells(runner: _Runner, nb) -> None:
    for n, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        label = f"cell {n + 1}" + (f" ('{meta(cell)['grade_id']}')" if meta(cell).get("grade_id") else "")
        runner.run_cell(cell, label)
        if is_test(cell):
            _calm_stderr(cell)


def kernel_plan(assignment: str, *, limits: Limits, variants: bool = True, threads: int | None = 1,
                root: Path = ROOT, isolated: bool = True, source_path: Path | None = None) -> KernelPlan:
    """What every kernel of ``assignment`` starts with, whoever's submission it will grade
    (the student id comes at hand-over: ``student_env``)."""
    env = {"AUGCOURSE_VARIANTS": "1" if variants else "0", "AUGCOURSE_STATIC": "1", "MPLBACKEND": "Agg",
           "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    if threads is not None:
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    source_path = source_path or source_notebook(assignment, None, root)
    return KernelPlan(isolated=bool(isolated), course_root=str(root), limits=limits, env=tuple(sorted(env.items())),
                      guard_course_modules=strategy_for(assignment, variants).guard_course_modules,
                      modules=notebook_modules(str(source_path)))


def student_env(student: str) -> dict:
    """The kernel's environment that is the student's own: their id (``helpers.drills.variant``)."""
    return {"AUGCOURSE_STUDENT_ID": student}


def grade_notebook(path, assignment: str, student_id: str | None = None, *, limits: Limits | None = None,
                   variants: bool = True, secret: str | None = None, feedback_html=None,
                   autograded_path=None, root: Path = ROOT, threads: int | None = 1,
                   isolate: bool | None = None, pool: WarmPool | None = None,
                   refill: bool = True) -> GradeResult:
    """Grade the notebook at ``path`` for ``assignment`` without touching any gradebook.

    Never modifies ``path``. ``feedback_html`` / ``autograded_path``: where to write the
    feedback page and the autograded notebook (optional). ``secret`` seeds the drills' hidden
    inputs (default: ``teacher.secret.course_secret()``). ``threads``: CPU threads
    of the kernel's math libraries (1 when several submissions are graded side by side; None
    leaves the machine's default, for a student checking one notebook). ``isolate``: True runs
    the kernel in the bubblewrap sandbox (``SandboxUnavailable`` where it cannot), False runs
    it unconfined, None (default) confines it where bubblewrap works. ``pool``: kernels started
    ahead (``teacher.grader.warm``); the submission takes one when one waits for the same plan,
    and, with ``refill``, starts the next one before its own cells run. Without a pool (or with
    an empty one) the kernel starts cold, here.
    """
    t0 = time.monotonic()
    path = Path(path)
    student = student_id or "anonymous"
    limits = limits or Limits()
    isolated = _should_isolate(isolate)
    secret = secret or course_secret()
    src_path = source_notebook(assignment, path.name, root)
    source = nbformat.read(src_path, as_version=4)
    result = GradeResult(student, assignment, src_path.name)
    try:
        submitted = nbformat.read(path, as_version=4)
    except Exception as e:  # noqa: BLE001 - an unreadable file scores 0
        submitted = nbformat.v4.new_notebook()
        result.notes.append(f"the submitted notebook could not be read ({type(e).__name__}): "
                            "every exercise was graded as unanswered")
    nb, notes = restore(source, submitted)
    result.notes += notes
    strategy = strategy_for(assignment, variants)
    strategy.prepare(nb)
    plan = kernel_plan(assignment, limits=limits, variants=variants, threads=threads, root=root,
                       isolated=isolated, source_path=src_path)
    clock = _Clock(result.timings, t0)
    clock.lap("prepare")  # reading and restoring the notebook
    kernel = pool.claim(plan) if pool is not None else None
    kernel = kernel or SubmissionKernel(plan, student_env(student))
    with kernel:
        snapshot_taken = kernel.hand_over(student_env(student))
        if pool is not None and refill:
            try:
                pool.fill(plan)  # the next submission's kernel imports while this one is graded
            except Exception as e:  # noqa: BLE001 - the next submission then starts cold
                print(f"grader: could not start a kernel ahead ({type(e).__name__}: {e})", file=sys.stderr)
        sb, work = kernel.sandbox, kernel.work
        runner = _Runner(sb, limits, result.notes, guard=strategy.guard_course_modules,
                         snapshot_taken=snapshot_taken)
        clock.lap("kernel")
        _run_cells(runner, nb)
        clock.lap("cells")
        if sb.alive() or runner.recover():
            for problem in _tamper_report(sb, limits):
                result.notes.append(f"detected: {problem}")
        clock.lap("checks")
        strategy.score(sb, runner, nb, work, result, secret)
        clock.lap("verdicts")
    result.parts = _scores(nb)
    result.autograded = nb
    if autograded_path:
        Path(autograded_path).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(autograded_path))
    if feedback_html:
        from .feedback import write_feedback

        write_feedback(result, feedback_html)
    clock.lap("files")  # with the kernel's shut-down
    result.timings.update(sorted(runner.seconds.items(), key=lambda kv: -kv[1])[:3])
    result.seconds = time.monotonic() - t0
    return result


class _Clock:
    """Seconds between laps, written into ``timings`` under each lap's name."""

    def __init__(self, timings: dict, start: float):
        self.timings, self.last = timings, start

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.timings[name] = self.timings.get(name, 0.0) + now - self.last
        self.last = now
