"""Warm kernels: each submission's kernel is started, in its sandbox, before the submission is.

Importing torch, numpy, scikit-learn and the course's ``helpers`` takes a fresh kernel several
seconds, always the same work, none of it the student's. A :class:`WarmPool` keeps ``ahead``
kernels started (one per grading worker by default): each in its own bubblewrap sandbox with
its own folders (exchange and hidden inputs, :class:`~teacher.grader.sandbox.Workspace`), the
guard's snapshot taken and the notebook's modules imported, waiting. The grader claims one for
the next submission and starts its replacement at once, so the next kernel imports while this
submission is graded.

One kernel serves one submission, then it is shut down with its folders: a kernel never meets
a second student. What is per submission reaches the kernel at claim time, before any student
cell runs: the student id (``AUGCOURSE_STUDENT_ID``, read by ``helpers.drills.variant`` each
time it is asked) is set by a first execution that leaves no name and no execution count behind
(:func:`handover_code`); the hidden inputs and the answers use the kernel's own folders. The
rest (limits, variants switch, thread counts, the sandbox's mounts) is the same for a whole
round and fixed when the kernel starts (:class:`KernelPlan`); a kernel started for another plan
is discarded, never adapted.

Same results as a kernel started cold: the guard's snapshot (``helpers.guard.snapshot``) is
taken first, as in a cold kernel, and the imports come after it, exactly as the notebook's own
import cell does after the snapshot in a cold kernel; the imports bind no name in the
notebook's namespace and do not count as an execution.

Kernels are launched from the grading process's main thread and never from a helper thread:
bubblewrap's ``--die-with-parent`` follows the thread that started it.
"""

from __future__ import annotations

import ast
import collections
import functools
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from .restore import is_solution, is_test
from .sandbox import Limits, Sandbox, Workspace

# Always imported ahead: the guard's snapshot needs them, and every notebook uses them.
BASE_MODULES = ("torch", "numpy")
# Never imported in a kernel: the teacher side is not in its file system.
_TEACHER_SIDE = ("teacher",)


def guard_snapshot_code(course_modules: bool) -> str:
    """The first code every kernel runs: the in-kernel guard records the pristine objects."""
    return ("import helpers.guard as _augcourse_guard\n"
            f"_augcourse_guard.snapshot(course_modules={course_modules!r})")


@functools.lru_cache(maxsize=16)
def notebook_modules(path: str) -> tuple[str, ...]:
    """Modules the source notebook at ``path`` imports before its first exercise (the course
    cells that run before any student cell), in order, teacher side left out. Imports of later
    cells are not done ahead: a student's cell before them may change what they find (a
    replaced ``sys.modules`` entry, an import hook), and a kernel started ahead must give the
    same result as a cold one.

    ``import a.b`` gives ``a.b``; ``from a.b import c`` gives ``a.b:c``: ``a.b``, and its
    submodule ``c`` only where ``a.b`` has no attribute ``c``, as Python's own ``from`` import
    does (decided in the kernel, :func:`preimport_code`), so that no attribute is shadowed."""
    nb = nbformat.read(path, as_version=4)
    found: list[str] = list(BASE_MODULES)
    for cell in nb.cells:
        if is_solution(cell) or is_test(cell):
            break
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found += [f"{node.module}:{alias.name}" for alias in node.names if alias.name != "*"] or [node.module]
    keep = [m for m in found if m.split(".")[0].split(":")[0] not in _TEACHER_SIDE]
    return tuple(dict.fromkeys(keep))


def preimport_code(modules: tuple[str, ...]) -> str:
    """Code importing ``modules`` (:func:`notebook_modules`) without binding any name in the
    notebook's namespace; one that cannot be imported is skipped (the notebook will say why)."""
    return ("def __augcourse_preimport(names):\n"
            "    import importlib\n"
            "    for name in names:\n"
            "        module, _, attr = name.partition(':')\n"
            "        try:\n"
            "            found = importlib.import_module(module)\n"
            "            if attr and not hasattr(found, attr):\n"
            "                importlib.import_module(module + '.' + attr)\n"
            "        except Exception:\n"
            "            pass\n"
            f"__augcourse_preimport({json.dumps(list(modules))})\n"
            "del __augcourse_preimport\n")


def handover_code(env: dict) -> str:
    """The claim's first execution: sets the submission's environment variables in the kernel
    (a single expression: no name is left behind)."""
    return f"__import__('os').environ.update({json.dumps({str(k): str(v) for k, v in env.items()})})"


@dataclass(frozen=True)
class KernelPlan:
    """What a kernel is started with, the same for every submission of a round."""

    isolated: bool
    course_root: str
    limits: Limits
    env: tuple  # sorted (name, value) pairs: the kernel's environment besides the student id
    guard_course_modules: bool
    modules: tuple  # imported ahead


class SubmissionKernel:
    """A kernel in its sandbox with its own folders, for one submission.

    ``ahead=True`` launches it and queues the guard's snapshot and the imports without waiting
    (a warm kernel); ``ahead=False`` starts it now with ``env`` (a cold kernel, nothing run).
    """

    def __init__(self, plan: KernelPlan, env: dict | None = None, ahead: bool = False):
        self.plan, self.ahead = plan, ahead
        self._tmp = tempfile.TemporaryDirectory(prefix="augcourse-grade-")
        self.work = Workspace(Path(self._tmp.name)).create()
        self.sandbox = Sandbox(str(self.work.kernel), {**dict(plan.env), **(env or {})}, plan.limits,
                               isolated=plan.isolated, course_root=Path(plan.course_root),
                               readonly=(self.work.inputs,))
        try:
            self.sandbox.open(wait=not ahead)
            if ahead:
                # store_history=True as the cold kernel's snapshot: the same execution counts after
                self.sandbox.send(guard_snapshot_code(plan.guard_course_modules), store_history=True)
                self.sandbox.send(preimport_code(plan.modules))
        except BaseException:
            self.close()
            raise

    def hand_over(self, env: dict) -> bool:
        """Give a warm kernel its submission: wait for its imports, set ``env`` in it.

        True when the kernel is ready with the guard's snapshot taken; False for a cold kernel,
        or a warm one that failed (restarted cold here): the caller then takes the snapshot."""
        if not self.ahead:
            return False
        sb = self.sandbox
        sb.env.update(env)  # a restart, from here on, starts with the submission's environment
        wait = 2 * max(self.plan.limits.startup_timeout, self.plan.limits.cell_timeout)
        if sb.settle(wait) and sb.execute(handover_code(env), wait, store_history=False).status == "ok":
            return True
        sb.restart()
        return False

    def close(self) -> None:
        if getattr(self.sandbox, "kc", None) is not None:
            self.sandbox.close()
        self._tmp.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WarmPool:
    """Kernels started ahead for one grading process (see the module docstring)."""

    def __init__(self, ahead: int = 1):
        if ahead < 0:
            raise ValueError(f"ahead: kernels to keep started must be >= 0, got {ahead}")
        self.ahead = ahead
        self._ready: collections.deque[SubmissionKernel] = collections.deque()

    def __len__(self) -> int:
        return len(self._ready)

    def fill(self, plan: KernelPlan) -> None:
        """Start kernels for ``plan`` until ``ahead`` wait (each imports in its own process)."""
        while len(self._ready) < self.ahead:
            self._ready.append(SubmissionKernel(plan, ahead=True))

    def claim(self, plan: KernelPlan) -> SubmissionKernel | None:
        """The oldest waiting kernel started for ``plan`` (None when there is none); kernels
        started for another plan are shut down."""
        while self._ready:
            kernel = self._ready.popleft()
            if kernel.plan == plan:
                return kernel
            kernel.close()
        return None

    def close(self) -> None:
        while self._ready:
            self._ready.popleft().close()


_PROCESS_POOL: WarmPool | None = None


def process_pool(ahead: int) -> WarmPool | None:
    """This process's pool (made on first use and shut down when the process ends); None
    when ``ahead`` is 0 (cold kernels)."""
    global _PROCESS_POOL
    if ahead <= 0:
        return None
    if _PROCESS_POOL is None:
        import atexit

        _PROCESS_POOL = WarmPool(ahead)
        atexit.register(_PROCESS_POOL.close)
    _PROCESS_POOL.ahead = ahead
    return _PROCESS_POOL
