"""Run a notebook's cells in a sandboxed Jupyter kernel, one cell at a time.

* memory: the kernel starts under ``RLIMIT_AS`` (``address_space_bytes``: an allocation past
  it fails with ``MemoryError``; 8 GiB by default because importing torch and torchvision
  alone maps about 4.2 GiB of address space), and a watchdog kills it when the resident
  memory of its process tree exceeds ``memory_bytes`` (root can lift an rlimit; the watchdog
  still holds);
* time: a per-cell timeout interrupts the cell, and kills the kernel when the interrupt is
  ignored; a per-notebook deadline skips the cells that are left;
* output: at most ``max_output_bytes`` per cell are kept while the cell runs, the rest is
  dropped with one line saying so;
* death: when the kernel dies (``os._exit``, a crash, the memory watchdog), it is restarted,
  the cells that ran before are replayed without keeping their output, the killer cell gets
  an error output saying what happened, and the run goes on.

The kernel starts with the course's start-up (warnings on stdout, as ``nbgrader_config.py``)
and the environment the caller gives (student id, variants switch).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from queue import Empty

import nbformat
from jupyter_client.manager import KernelManager

KERNEL_ARGS = [
    "--HistoryManager.hist_file=:memory:",
    "--InteractiveShellApp.exec_lines=import helpers.notebook as _course; "
    "_course.route_warnings_to_stdout(); del _course",
]
_LIMIT = ("import os, resource, sys; n = int(sys.argv[1]); "
          "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execvp(sys.argv[2], sys.argv[2:])")


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
class CellRun:
    """What happened to one cell: ``ok``, ``error``, ``timeout``, ``died``, ``memory``,
    ``skipped`` (deadline or too many restarts)."""

    status: str
    seconds: float = 0.0
    note: str = ""


class _LimitedKernelManager(KernelManager):
    memory_bytes = 0

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if self.memory_bytes:
            cmd = [sys.executable, "-c", _LIMIT, str(int(self.memory_bytes)), *cmd]
        return cmd


@dataclass
class Sandbox:
    """A kernel for one submission. Use as a context manager; ``run(nb)`` executes cells."""

    cwd: str
    env: dict
    limits: Limits = field(default_factory=Limits)
    events: list = field(default_factory=list)

    def __enter__(self):
        self._start()
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ kernel life
    def _start(self):
        self.km = _LimitedKernelManager(kernel_name="python3")
        self.km.memory_bytes = self.limits.address_space_bytes
        env = dict(os.environ)
        env.update(self.env)
        # The kernel's own log (e.g. its TCP notice) is not the student's output: discard it.
        self.km.start_kernel(extra_arguments=KERNEL_ARGS, cwd=self.cwd, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=self.limits.startup_timeout)

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
        try:
            self.kc.stop_channels()
        except Exception:  # noqa: BLE001
            pass
        try:
            self.km.shutdown_kernel(now=True)
        except Exception:  # noqa: BLE001
            pass
        self._start()

    def _rss(self) -> int:
        import psutil

        try:
            proc = psutil.Process(self.km.provisioner.process.pid)
            return sum(p.memory_info().rss for p in [proc, *proc.children(recursive=True)])
        except Exception:  # noqa: BLE001 - the process may be gone
            return 0

    # ------------------------------------------------------------------ one execution
    def execute(self, code: str, timeout: float, outputs: list | None = None) -> CellRun:
        """Run ``code``; append its outputs (capped) to ``outputs``. Never raises for the
        student's sake: the status says what happened."""
        start = time.monotonic()
        msg_id = self.kc.execute(code, store_history=True, allow_stdin=False, stop_on_error=False)
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
