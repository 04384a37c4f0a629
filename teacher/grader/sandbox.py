"""Run a notebook's cells in a confined Jupyter kernel, one cell at a time.

Confinement (``isolated=True``, the default for grading a class): the kernel runs under
bubblewrap (``bwrap``, Debian package ``bubblewrap``) in namespaces of its own:

* processes: its own PID namespace. It sees only itself and its children, so it cannot signal
  the grader or another student's kernel; when the kernel ends, the namespace ends and the
  kernel takes every process it started with it (``--die-with-parent`` ties it to the grader);
* network: none (its own network namespace). The grader talks to it over Unix sockets (ZeroMQ's
  ``ipc`` transport) in a folder of this submission, not over TCP;
* files: a new root that holds only what :func:`visible_paths` lists, read-only — the Python
  environment (the virtualenv and the interpreter it points to), the operating system's
  ``/usr``, and the student side of the course (``helpers/``, the prepared data, the released
  notebooks). Nothing of ``solutions/``, the ``teacher`` package, the gradebook, the grade
  files, the feedback or other students' submissions exists there. Home, working folder and
  ``/tmp`` are size-capped memory folders that vanish with the kernel; the only folder it shares
  with the grader is this submission's exchange folder (sockets, answers);
* privileges: none. An ordinary user's bwrap maps the kernel into a user namespace with every
  capability dropped and no further user namespaces; a grader running as root switches the
  kernel to a uid of its own (no capabilities, ``no_new_privs``), because a root-owned process
  could still write ``/proc/sys`` even without capabilities;
* environment variables: only those the kernel needs (:func:`kernel_env`); the grader's own
  (a database URL, the course secret) never reach it.

Limits, with or without confinement:

* memory: the kernel starts under ``RLIMIT_AS`` (``address_space_bytes``: an allocation past
  it fails with ``MemoryError``; 8 GiB by default because importing torch and torchvision
  alone maps about 4.2 GiB of address space), and a watchdog kills it when the resident
  memory of its process tree exceeds ``memory_bytes``;
* time: a per-cell timeout interrupts the cell, and kills the kernel when the interrupt is
  ignored; a per-notebook deadline skips the cells that are left;
* output: at most ``max_output_bytes`` per cell are kept while the cell runs, the rest is
  dropped with one line saying so;
* death: when the kernel dies (``os._exit``, a crash, the memory watchdog), it is restarted,
  and the caller decides what to replay (``teacher.grader.engine``).

The kernel starts with the course's start-up (``helpers.notebook.KERNEL_ARGS``: warnings on
stdout, as nbgrader's configuration) and the environment the caller gives (student id, variants
switch). ``isolated=False`` runs the same kernel without bubblewrap (a student's self-check).
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from queue import Empty

import nbformat
from jupyter_client.manager import KernelManager

from helpers.data.paths import course_root
from helpers.notebook import KERNEL_ARGS

COURSE_ROOT = course_root()
# The student side of the course folder besides the ``helpers`` package: the released notebooks,
# and pyproject.toml, by which ``helpers.data.paths`` recognises the course folder (both are in
# the handout too).
STUDENT_SIDE = ("notebooks", "pyproject.toml")
# Operating-system folders the interpreter and its libraries read (read-only).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/sys")
SYSTEM_ETC = ("passwd", "group", "nsswitch.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime",
              "alternatives", "fonts", "mime.types", "ssl")
SCRATCH_BYTES = 512 * 1024**2  # size of the kernel's home and /tmp (memory folders)
KERNEL_UID_BASE = 2_100_000_000  # a grader running as root gives each kernel a uid of its own
# Kernels of one grading process alive at once (the one grading and those started ahead,
# ``teacher.grader.warm``) each get a uid of their own, so the per-uid process limit of one
# never starves another.
UIDS_PER_PROCESS = 32
MAX_PROCESSES = 512  # threads and processes of one kernel's uid (root grader only: the uid is its own)
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: `sudo apt-get install bubblewrap`, which "
                "`bash scripts/setup_system.sh` does)")

# Runs inside the sandbox (or directly, without it) before the kernel: resource limits, then,
# for a root grader, the kernel's own uid; then it becomes the kernel (exec).
_LAUNCH = ("import os, resource, sys; n, uid = int(sys.argv[1]), int(sys.argv[2]); "
           "resource.setrlimit(resource.RLIMIT_AS, (n, n)) if n else None; "
           "resource.setrlimit(resource.RLIMIT_CORE, (0, 0)); "
           "uid >= 0 and (resource.setrlimit(resource.RLIMIT_NPROC, (int(sys.argv[3]),) * 2), os.setgroups([]), "
           "os.setgid(uid), os.setuid(uid)); "
           "os.execv(sys.argv[4], sys.argv[4:])")


class SandboxUnavailable(RuntimeError):
    """bubblewrap cannot confine a kernel on this machine; the message names the fix."""


@dataclass
class Limits:
    """Resource limits of one submission's kernel."""

    cell_timeout: float = 60.0
    notebook_timeout: float = 600.0
    memory_bytes: int = 3 * 1024**3
    address_space_bytes: int = 8 * 1024**3
    max_output_bytes: int = 100_000
    interrupt_grace: float = 3.0
    max_restarts: int = 3
    startup_timeout: float = 60.0


@dataclass
class Workspace:
    """The grader's folders for one submission: ``kernel`` (the kernel may write: sockets,
    connection file, answers) and ``inputs`` (hidden inputs; the kernel may only read)."""

    root: Path

    @property
    def kernel(self) -> Path:
        return self.root / "kernel"

    @property
    def inputs(self) -> Path:
        return self.root / "inputs"

    def create(self) -> Workspace:
        self.kernel.mkdir()
        self.inputs.mkdir()
        return self


@dataclass
class CellRun:
    """What happened to one cell: ``ok``, ``error``, ``timeout``, ``died``, ``memory``,
    ``skipped`` (deadline or too many restarts)."""

    status: str
    seconds: float = 0.0
    note: str = ""


# ---------------------------------------------------------------------------------- confinement
def _data_root() -> Path | None:
    try:
        from helpers.data.paths import data_root
    except ImportError:  # pragma: no cover - the data module moved or is absent
        return None
    return data_root()


def helpers_dir() -> Path:
    """The ``helpers`` package this grader imports: the one its kernels import too."""
    import helpers

    return Path(helpers.__file__).parent


def visible_paths(course_root: Path = COURSE_ROOT) -> list[tuple[Path, Path]]:
    """``[(host path, path inside the sandbox)]`` that a kernel sees, all read-only.

    The Python environment (``sys.prefix``, the interpreter ``sys.base_prefix`` it points to,
    each at its given and its resolved path, so symlinked virtualenvs work), and the course's
    student side (the ``helpers`` package the grader imports, ``notebooks/``, the prepared
    data) at their own paths so ``helpers`` finds its data as it does outside.
    """
    pairs: list[tuple[Path, Path]] = []
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
        for p in {Path(prefix), Path(prefix).resolve()}:
            pairs.append((Path(prefix).resolve(), p))
    course_root = Path(course_root)
    pairs.append((helpers_dir().resolve(), helpers_dir()))
    for name in STUDENT_SIDE:
        if (course_root / name).exists():
            pairs.append(((course_root / name).resolve(), course_root / name))
    data = _data_root()
    if data is not None and data.exists():
        pairs.append((data.resolve(), data))
        if data != course_root / "data":
            pairs.append((data.resolve(), course_root / "data"))
    return [(src, dest) for src, dest in dict.fromkeys(pairs) if not _under_teacher_side(src, course_root)]


def _under_teacher_side(path: Path, course_root: Path) -> bool:
    """True for the course root itself and its teacher folders (never shown to a kernel)."""
    root = Path(course_root).resolve()
    if path == root:
        return True
    return any(path == root / t or root / t in path.parents for t in ("solutions", "teacher", ".git"))


def _system_args() -> list[str]:
    args: list[str] = []
    for d in SYSTEM_DIRS:
        if os.path.islink(d):
            args += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            args += ["--ro-bind", d, d]
    for name in SYSTEM_ETC:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for dev in sorted(Path("/dev").glob("nvidia*")) + [Path("/dev/dri")]:  # GPUs, when present
        args += ["--dev-bind-try", str(dev), str(dev)]
    return args


def _binds(binds) -> list[str]:
    """bwrap arguments mounting ``[(source, destination, option)]``. Folders bwrap would create on
    the way to a mount point are private to root (0700): they are made first, open to all, so
    a kernel under its own uid can walk through them."""
    args: list[str] = []
    made = {"/", "/tmp"}
    for _, dest, _ in binds:
        for folder in reversed(Path(dest).parents):
            if str(folder) not in made:
                made.add(str(folder))
                args += ["--perms", "0755", "--dir", str(folder)]
    for src, dest, option in binds:
        args += [option, str(src), str(dest)]
    return args


def bwrap_args(exchange: Path, home: Path, course_root: Path = COURSE_ROOT, readonly=()) -> list[str]:
    """The bubblewrap command line (without the command) confining one kernel.

    ``exchange``: the grader's folder for this submission, shared read-write (sockets,
    connection file, answers); ``home``: the kernel's home and working folder inside the sandbox,
    a memory folder of ``SCRATCH_BYTES``; ``readonly``: more of the grader's folders the kernel
    may read (the drills' hidden inputs).
    """
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap is not installed: {INSTALL_HINT}")
    root = os.geteuid() == 0
    args = [bwrap, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--hostname", "grading",
            # ipykernel would take bwrap's init (pid 1) for an orphaning and exit; bwrap's
            # --die-with-parent already ends the kernel with the grader.
            "--unsetenv", "JPY_PARENT_PID"]
    if root:
        # Switching to the kernel's own uid needs these two; bwrap drops every other capability.
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        args += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/dev/shm"]
    args += _system_args()
    args += ["--perms", "1777", "--size", str(SCRATCH_BYTES), "--tmpfs", "/tmp"]
    args += _binds([(src, dest, "--ro-bind") for src, dest in visible_paths(course_root)])
    args += ["--perms", "0755", "--dir", str(Path(home).parent),
             "--perms", "0777", "--size", str(SCRATCH_BYTES), "--tmpfs", str(home)]
    args += _binds([(Path(exchange), Path(exchange), "--bind"),
                    *((Path(p), Path(p), "--ro-bind") for p in readonly)])
    return [*args, "--chdir", str(home)]


def kernel_env(extra: dict, home: Path) -> dict:
    """The kernel's whole environment: what Python and the course need, plus ``extra``."""
    env = {"PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
           "HOME": str(home), "USER": "student", "LOGNAME": "student", "LANG": "C.UTF-8",
           "TMPDIR": "/tmp", "PYTHONPATH": str(helpers_dir().parent), "PYTHONDONTWRITEBYTECODE": "1",
           "MPLCONFIGDIR": str(Path(home) / ".matplotlib")}
    for key in ("AUGCOURSE_DATA", "NLTK_DATA", "CUDA_VISIBLE_DEVICES", "TORCH_HOME"):
        if key in os.environ:
            env[key] = os.environ[key]
    data = _data_root()
    if data is not None and "AUGCOURSE_DATA" not in env:
        env["AUGCOURSE_DATA"] = str(data)  # bound at the same path (visible_paths): no guessing
    env.update(extra)
    return env


@functools.lru_cache(maxsize=1)
def isolation_problem() -> str | None:
    """None when bubblewrap can confine a kernel here; otherwise what is wrong and the fix."""
    if sys.platform != "linux":
        return (f"the grading sandbox needs Linux (bubblewrap); this is {sys.platform}. Grade on a Linux "
                "machine, or pass --no-isolation to run submissions unconfined (only for code you trust)")
    try:
        with tempfile.TemporaryDirectory(prefix="augcourse-probe-") as tmp:
            args = bwrap_args(Path(tmp), Path("/home/probe"))
            probe = subprocess.run([*args, sys.executable, "-c", "import helpers.notebook"],
                                   capture_output=True, text=True, timeout=60,
                                   env=kernel_env({}, Path("/home/probe")))
    except SandboxUnavailable as e:
        return f"{e}, or pass --no-isolation to run submissions unconfined (only for code you trust)"
    except (OSError, subprocess.SubprocessError) as e:
        return f"bubblewrap could not start ({e}); {INSTALL_HINT}"
    if probe.returncode != 0:
        detail = (probe.stderr or probe.stdout).strip().splitlines()[-1:] or ["no message"]
        return (f"bubblewrap is installed but cannot confine a kernel here ({detail[0]}). Allow "
                "unprivileged user namespaces (`sudo sysctl kernel.unprivileged_userns_clone=1`; on "
                "Ubuntu 24.04 also `sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0`, or an "
                "AppArmor profile for bwrap), or run the grader in a container that allows them; "
                "--no-isolation runs submissions unconfined (only for code you trust)")
    return None


def require_isolation() -> None:
    """Raise :class:`SandboxUnavailable` with the fix when bubblewrap cannot run here."""
    problem = isolation_problem()
    if problem:
        raise SandboxUnavailable(problem)


# ---------------------------------------------------------------------------------- the kernel
_uid_serial = itertools.count()


def _next_kernel_uid() -> int:
    """A uid for the next kernel of this grading process (root grader only), distinct from
    those of the process's other live kernels (at most ``UIDS_PER_PROCESS`` at once)."""
    return KERNEL_UID_BASE + (os.getpid() % 1_000_000) * UIDS_PER_PROCESS + next(_uid_serial) % UIDS_PER_PROCESS


def _kernel_log() -> dict:
    """Where the kernel's own log goes: nowhere (it is not the student's output), unless
    ``AUGCOURSE_GRADER_DEBUG`` is set."""
    if os.environ.get("AUGCOURSE_GRADER_DEBUG"):
        return {}
    return {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


class _ConfinedKernelManager(KernelManager):
    """A kernel manager whose kernel command is wrapped: limits, optional bwrap, own uid."""

    launch_prefix: list = []
    address_space = 0
    kernel_uid = -1

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        launch = [sys.executable, "-c", _LAUNCH, str(int(self.address_space)), str(self.kernel_uid),
                  str(MAX_PROCESSES)]
        return [*self.launch_prefix, *launch, *cmd]

    def write_connection_file(self, **kwargs):
        super().write_connection_file(**kwargs)
        if self.kernel_uid >= 0:  # the file is private (0600): give it to the kernel's uid
            os.chown(self.connection_file, self.kernel_uid, self.kernel_uid)


@dataclass
class Sandbox:
    """A kernel for one submission. Use as a context manager; ``run(nb)`` executes cells.

    ``cwd``: the grader's folder for this submission that the kernel may write (sockets,
    answers); ``readonly``: the grader's folders it may read; ``env``: extra environment
    variables of the kernel; ``isolated``: confine the kernel with bubblewrap.
    """

    cwd: str
    env: dict
    limits: Limits = field(default_factory=Limits)
    events: list = field(default_factory=list)
    isolated: bool = True
    course_root: Path = COURSE_ROOT
    readonly: tuple = ()

    def __enter__(self):
        self.open()
        return self

    def open(self, wait: bool = True) -> Sandbox:
        """Start the kernel; ``wait=False`` returns as soon as it is launched (a warm kernel:
        :meth:`send` may queue code for it at once, :meth:`settle` waits for that code)."""
        self._starts = 0
        self._pending: list[str] = []
        self.exchange = Path(self.cwd)
        self.home = Path("/home/student") if self.isolated else self.exchange / "home"
        if self.isolated:
            require_isolation()
        else:
            self.home.mkdir(exist_ok=True)
        self.kernel_uid = _next_kernel_uid() if self.isolated and os.geteuid() == 0 else -1
        self._start(wait)
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ kernel life
    def _start(self, wait: bool = True):
        self._starts += 1
        km = _ConfinedKernelManager(kernel_name="python3", transport="ipc",
                                    connection_file=str(self.exchange / f"kernel-{self._starts}.json"))
        # Interrupts travel as a message: a signal to the process group would stop bwrap itself.
        km.kernel_spec.interrupt_mode = "message"
        km.address_space = self.limits.address_space_bytes
        if self.isolated:
            km.launch_prefix = bwrap_args(self.exchange, self.home, self.course_root, self.readonly)
            if self.kernel_uid >= 0:
                km.kernel_uid = self.kernel_uid
                os.chown(self.exchange, km.kernel_uid, km.kernel_uid)
        self.km = km
        env = kernel_env(self.env, self.home)
        km.start_kernel(extra_arguments=KERNEL_ARGS, cwd=str(self.home if not self.isolated else self.exchange),
                        env=env, **_kernel_log())
        self.kc = km.client()
        self.kc.start_channels()
        if wait:
            self.kc.wait_for_ready(timeout=self.limits.startup_timeout)

    def send(self, code: str, store_history: bool = False) -> None:
        """Queue ``code`` for the kernel without waiting (the grader's own set-up code: a
        warm kernel's imports). ZeroMQ holds the request until the kernel is listening."""
        self._pending.append(self.kc.execute(code, silent=False, store_history=store_history,
                                             allow_stdin=False, stop_on_error=False))

    def settle(self, timeout: float) -> bool:
        """Wait until the kernel has run everything :meth:`send` queued and is ready for more.

        True when every queued execution ended without an error and the kernel answers; False
        when it failed, died or ran past ``timeout`` seconds (then the caller restarts it)."""
        deadline = time.monotonic() + timeout
        pending, ok = set(self._pending), True
        self._pending = []
        while pending:
            if time.monotonic() > deadline or not self.km.is_alive():
                return False
            try:
                reply = self.kc.get_shell_msg(timeout=0.5)
            except Empty:
                continue
            if reply["parent_header"].get("msg_id") in pending:
                pending.discard(reply["parent_header"]["msg_id"])
                ok = ok and reply["content"].get("status") == "ok"
        try:  # the replies came on the shell channel: make sure outputs (IOPub) flow too
            self.kc.wait_for_ready(timeout=max(1.0, deadline - time.monotonic()))
        except RuntimeError:
            return False
        return ok

    def close(self):
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001 - best effort
            pass
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001
            pass

    def restart(self):
        self.close()
        self._start()

    def alive(self) -> bool:
        return self.km.is_alive()

    def _rss(self) -> int:
        import psutil

        try:
            proc = psutil.Process(self.km.provisioner.process.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
        except Exception:  # noqa: BLE001 - the process may be gone
            return 0

    # ------------------------------------------------------------------ one execution
    def execute(self, code: str, timeout: float, outputs: list | None = None,
                store_history: bool = True) -> CellRun:
        """Run ``code``; append its outputs (capped) to ``outputs``. Never raises for the
        student's sake: the status says what happened. ``store_history=False``: the grader's
        own code, which leaves the execution count (and ``In``/``Out``) as it was."""
        start = time.monotonic()
        msg_id = self.kc.execute(code, store_history=store_history, allow_stdin=False, stop_on_error=False)
        outs = outputs if outputs is not None else []
        budget = [self.limits.max_output_bytes]
        deadline, interrupted, status = start + timeout, False, None
        last_check = 0.0
        while status is None:
            now = time.monotonic()
            try:
                msg = self.kc.get_iopub_msg(timeout=0.1)
            except Empty:
                msg = None
            if msg is not None and msg["parent_header"].get("msg_id") == msg_id:
                kind = msg["msg_type"]
                if kind == "status" and msg["content"]["execution_state"] == "idle":
                    break
                self._collect(msg, outs, budget)
                continue
            if now - last_check > 0.25:
                last_check = now
                if not self.km.is_alive():
                    status = "died"
                elif self.limits.memory_bytes and self._rss() > self.limits.memory_bytes:
                    self.km.shutdown_kernel(now=True)
                    status = "memory"
            if status is None and now > deadline:
                if not interrupted:
                    self.km.interrupt_kernel()
                    interrupted, deadline = True, now + self.limits.interrupt_grace
                else:
                    self.km.shutdown_kernel(now=True)
                    status = "timeout-killed"
        seconds = time.monotonic() - start
        if status is None:
            self._drain_shell(msg_id)
            if interrupted:
                return CellRun("timeout", seconds)
            failed = any(o.get("output_type") == "error" for o in outs)
            return CellRun("error" if failed else "ok", seconds)
        return CellRun(status, seconds)

    def _drain_shell(self, msg_id):
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            try:
                reply = self.kc.get_shell_msg(timeout=0.5)
            except Empty:
                return
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    def _collect(self, msg, outs, budget):
        kind = msg["msg_type"]
        if kind == "clear_output":
            outs.clear()
            return
        if kind not in ("stream", "display_data", "execute_result", "error"):
            return
        if budget[0] <= 0:
            return
        out = nbformat.v4.output_from_msg(msg)
        size = len(str(out.get("text", ""))) + sum(len(str(v)) for v in out.get("data", {}).values()) \
            + sum(len(line) for line in out.get("traceback", []))
        if size > budget[0]:
            budget[0] = 0
            outs.append(nbformat.v4.new_output(
                "stream", name="stdout",
                text=f"\n[output truncated: this cell printed more than "
                     f"{self.limits.max_output_bytes:,} characters; the rest was dropped]\n"))
            return
        budget[0] -= size
        if kind == "stream" and outs and outs[-1].get("output_type") == "stream" \
                and outs[-1].get("name") == out.name:
            outs[-1]["text"] += out.text
        else:
            outs.append(out)
