"""Run a copy of a student's notebook in a fresh kernel, then collect answers for sealed checks.

The notebook runs top to bottom (errors allowed) in a temporary folder with ``nbclient``; then
one extra cell per sealed drill part sends the probe (``helpers.drills.probes``) to the same
kernel: it calls the student's functions on the sealed inputs and saves the answers as plain
data, read back here with ``torch.load(weights_only=True)``. No operating-system sandbox: this
is a student checking their own work on their own machine.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat

from helpers.notebook import KERNEL_ARGS

CELL_TIMEOUT = 300  # seconds a cell (the teacher's limit for sections that train networks)

_PROBE_CELL = """
def __selfcheck_probe(__ns):
    import torch as _torch
    _scope = {{}}
    exec(compile({code!r}, "<self-check probe>", "exec"), _scope)
    _inputs = _torch.load({inp!r}, weights_only=True).get({gid!r}, {{}})
    try:
        _ans = _scope["_answer"](__ns, _inputs)
    except Exception as _e:
        _ans = {{"error": type(_e).__name__ + ": " + str(_e)[:300]}}
    _torch.save({{"answer": _ans}}, {out!r})
__selfcheck_probe(globals())
del __selfcheck_probe
"""


def probe_cell(gid: str, code: str, inputs_file: Path, out: Path) -> nbformat.NotebookNode:
    """A code cell that runs probe ``code`` on the sealed inputs of ``gid`` and saves the answer."""
    return nbformat.v4.new_code_cell(_PROBE_CELL.format(code=code, inp=str(inputs_file), gid=gid,
                                                        out=str(out)))


def load_answer(path: Path):
    """The answer a probe cell saved (plain data only), or an error dict when there is none."""
    import torch

    try:
        return torch.load(path, weights_only=True, map_location="cpu")["answer"]
    except Exception as e:  # noqa: BLE001 - a missing or garbled answer is a failed case
        return {"error": f"no answer came back from the notebook ({type(e).__name__})"}


MAX_RESTARTS = 3


def _error_output(text: str):
    return nbformat.v4.new_output("error", ename="SelfCheckStop", evalue=text, traceback=[text])


def execute(nb, *, student: str, workdir: Path, timeout: float = CELL_TIMEOUT) -> str | None:
    """Run ``nb`` (modified in place) in a fresh kernel started in ``workdir``.

    A cell that runs longer than ``timeout`` seconds, or stops the kernel (``os._exit``, a
    crash), gets an error output; the kernel is then restarted, the cells before it run again and
    the notebook goes on, at most ``MAX_RESTARTS`` times. Returns a note when that happened.
    """
    from jupyter_core.utils import run_sync
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    env = dict(os.environ, AUGCOURSE_STUDENT_ID=student, MPLBACKEND="Agg",
               PYDEVD_DISABLE_FILE_VALIDATION="1")
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                            interrupt_on_timeout=False, shutdown_kernel="immediate",
                            extra_arguments=KERNEL_ARGS, resources={"metadata": {"path": str(workdir)}})
    stopped: list[int] = []
    with client.setup_kernel(env=env, cwd=str(workdir)):
        index = 0
        while index < len(nb.cells):
            cell = nb.cells[index]
            if cell.cell_type != "code" or index in stopped:
                index += 1
                continue
            try:
                client.execute_cell(cell, index)
                index += 1
                continue
            except (CellTimeoutError, DeadKernelError) as e:
                why = (f"this cell ran longer than {timeout:g} s" if isinstance(e, CellTimeoutError)
                       else "this cell stopped the kernel")
                cell.outputs = [_error_output(why)]
                stopped.append(index)
            if len(stopped) > MAX_RESTARTS:
                break
            run_sync(client.km.restart_kernel)(now=True)
            client.kc.stop_channels()
            run_sync(client.async_start_new_kernel_client)()
            for j in range(index):  # the state the later cells need
                if nb.cells[j].cell_type == "code" and j not in stopped:
                    try:
                        client.execute_cell(nb.cells[j], j)
                    except (CellTimeoutError, DeadKernelError):
                        stopped.append(j)
            index += 1
    if not stopped:
        return None
    return (f"{len(stopped)} cell(s) ran too long or stopped the kernel; the kernel was restarted"
            + (" and the remaining cells were not run" if len(stopped) > MAX_RESTARTS else ""))


def run_with_probes(nb, probes: dict[str, str], inputs_file: Path, *, student: str,
                    timeout: float = CELL_TIMEOUT) -> tuple[dict, str | None]:
    """Run ``nb`` then every probe (grade_id -> code); return (grade_id -> answer, note)."""
    with tempfile.TemporaryDirectory(prefix="augcourse-selfcheck-") as tmp:
        work = Path(tmp)
        outs = {gid: work / f"answer_{gid}.pt" for gid in probes}
        for gid, code in probes.items():
            nb.cells.append(probe_cell(gid, code, inputs_file, outs[gid]))
        note = execute(nb, student=student, workdir=work, timeout=timeout)
        answers = {gid: load_answer(path) for gid, path in outs.items()}
        if probes:
            del nb.cells[len(nb.cells) - len(probes):]
    return answers, note
