"""JupyterLab in headless Chromium: the server, the page, and what a notebook looks like in it.

Support for ``tests/test_browser.py``. The server is the project's own ``.venv/bin/jupyter lab``,
started as its own process on 127.0.0.1 with a token, its settings, workspaces, runtime and
config folders in a temporary directory (so a user's own Jupyter set-up cannot change what the
test sees), autosave off (running a notebook must never rewrite the file on disk), and the
application exposed to the page as ``window.jupyterapp`` so commands can be run and cells
inspected by index.
"""

from __future__ import annotations

import ast
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

# Settings a student would leave alone, changed so that the page is stable under test:
# every cell attached to the DOM (cell index in the page == cell index in the file),
# no autosave, no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LabServer:
    """``jupyter lab`` serving ``root`` on 127.0.0.1; stop it with ``stop()`` (by its PID)."""

    def __init__(self, venv: Path, root: Path, workdir: Path, log_path: Path):
        self.venv, self.root, self.workdir, self.log_path = venv, root, workdir, log_path
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.proc: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Explorers must be live widgets (static mode draws one figure and no controls), and
        # figures must come from the inline back end, as in a student's Lab.
        for name in ("AUGCOURSE_STATIC", "MPLBACKEND", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH"):
            env.pop(name, None)
        for name in ("config", "data", "runtime", "ipython"):
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.workdir / "config"),
            JUPYTER_DATA_DIR=str(self.workdir / "data"),
            JUPYTER_RUNTIME_DIR=str(self.workdir / "runtime"),
            IPYTHONDIR=str(self.workdir / "ipython"),
            PATH=f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}",
        )
        return env

    def _write_settings(self) -> Path:
        settings = self.workdir / "settings"
        for rel, values in LAB_SETTINGS.items():
            f = settings / rel
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_text(json.dumps(values))
        return settings

    def start(self, timeout: float = 180) -> None:
        cmd = [
            str(self.venv / "bin" / "jupyter"), "lab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            f"--LabApp.user_settings_dir={self._write_settings()}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
            "--LabApp.news_url=",
            # Opening a notebook writes a checkpoint; keep it out of the repository.
            f"--FileCheckpoints.checkpoint_dir={self.workdir / 'checkpoints'}",
        ]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        (self.workdir / "workspaces").mkdir(exist_ok=True)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "w")  # noqa: SIM115 - lives as long as the server
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self._env(), stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with {self.proc.returncode}; "
                                   f"log: {self.log_path}")
            try:
                self.api("GET", "/api/status")
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)  # the server is still starting: poll its status endpoint
        raise RuntimeError(f"jupyter lab did not answer within {timeout} s; log: {self.log_path}")

    def api(self, method: str, path: str, timeout: float = 30):
        req = urllib.request.Request(f"{self.base}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut every session and kernel down (each notebook starts from a fresh kernel)."""
        for s in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{s['id']}")
        for k in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{k['id']}")

    def url(self, rel: str, workspace: str) -> str:
        return f"{self.base}/lab/workspaces/{workspace}/tree/{rel}?reset&token={self.token}"

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            self.shutdown_kernels()
        except Exception:  # noqa: BLE001 - stopping anyway
            pass
        os.kill(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)


# ---------------------------------------------------------------------------------------------
# What the notebook file says each cell should do.

_PLOT_CALLS = {"subplots", "figure", "imshow", "plot", "show", "hist", "scatter", "bar",
               "show_images", "plot_histories", "explore", "specgram", "pcolormesh", "step"}


def _top_level_calls(source: str):
    """Calls made when a cell runs (not inside the functions or classes it defines)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            yield node
        stack.extend(ast.iter_child_nodes(node))


def _call_name(call: ast.Call) -> str:
    f = call.func
    if isinstance(f, ast.Attribute):
        return f.attr
    return f.id if isinstance(f, ast.Name) else ""


def plots(source: str) -> bool:
    """Whether running this cell draws a figure with matplotlib (directly or via helpers.viz)."""
    for call in _top_level_calls(source):
        name = _call_name(call)
        if name in {"show_images", "plot_histories", "explore"}:
            return True
        f = call.func
        if (name in _PLOT_CALLS and isinstance(f, ast.Attribute)
                and isinstance(f.value, ast.Name) and f.value.id in {"plt", "ax", "axes"}):
            return True
    return False


@dataclass
class Explorer:
    """An ``explore(draw, name=Slider(description=...), ...)`` call in a cell."""

    cell: int
    draw: str
    controls: dict[str, str] = field(default_factory=dict)  # argument name -> description

    def words(self) -> str:
        return " ".join([self.draw, *self.controls, *self.controls.values()])


def explorers_in(nb: dict) -> list[Explorer]:
    found = []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        for call in _top_level_calls("".join(cell["source"])):
            if _call_name(call) != "explore" or not call.args:
                continue
            draw = call.args[0]
            ex = Explorer(i, draw.id if isinstance(draw, ast.Name) else ast.unparse(draw))
            for kw in call.keywords:
                desc = kw.arg or ""
                if isinstance(kw.value, ast.Call):
                    for k in kw.value.keywords:
                        if k.arg == "description" and isinstance(k.value, ast.Constant):
                            desc = str(k.value.value)
                ex.controls[kw.arg or "?"] = desc
            found.append(ex)
    return sorted(found, key=lambda e: e.cell)


def allowed_to_fail(cell: dict) -> bool:
    """Release notebooks: the unanswered exercises fail, and only they (see test_notebooks)."""
    meta = cell.get("metadata", {})
    ng = meta.get("nbgrader", {})
    return bool(ng.get("solution") or ng.get("grade")
                or "exercise-demo" in meta.get("tags", []))


def is_expected_error(cell: dict, ename: str) -> bool:
    ng = cell.get("metadata", {}).get("nbgrader", {})
    if ng.get("grade") and not ng.get("solution"):
        return True  # a test cell of an unanswered exercise fails, whatever the error
    return allowed_to_fail(cell) and ename == "NotImplementedError"


def cell_label(i: int, cell: dict) -> str:
    src = "".join(cell["source"]).strip()
    first = src.splitlines()[0] if src else ""
    return f"cell {i} ({first[:60]!r})"


# ---------------------------------------------------------------------------------------------
# The page: JavaScript run inside JupyterLab through ``window.jupyterapp``.

JS_READY = """() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return false;
  const w = app.shell.currentWidget;
  if (!w || !w.content || !w.sessionContext || !w.context || !w.context.isReady) return false;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle' && w.content.widgets.length > 0;
}"""

JS_RUN = """(command) => {
  const app = window.jupyterapp;
  window.__augRun = {done: false, error: null};
  app.commands.execute(command).then(
    r => { window.__augRun = {done: true, result: r, error: null}; },
    e => { window.__augRun = {done: true, error: String(e)}; });
  return true;
}"""

# Finished: the command's promise settled, no cell shows [*], and the kernel is idle.
JS_FINISHED = """() => {
  const run = window.__augRun;
  if (!run || !run.done) return false;
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  for (const p of w.content.node.querySelectorAll('.jp-InputPrompt')) {
    if (p.textContent.includes('*')) return false;
  }
  return true;
}"""

# Record every save the page asks for, and refuse it: running a notebook in the test must
# never rewrite the file (autosave is off; this proves it and guards the repository).
JS_WATCH_SAVES = """() => {
  const contents = window.jupyterapp.serviceManager.contents;
  window.__augSaves = [];
  contents.save = (path, options) => {
    window.__augSaves.push(path);
    return Promise.reject(new Error('saving is disabled under test'));
  };
  return true;
}"""

JS_SELECT = """(index) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = index;
  nb.deselectAll();
  return nb.activeCellIndex;
}"""

# One record per cell, in file order: its outputs as the kernel sent them (from the model)
# and what the page shows (from the cell's DOM node).
JS_CELLS = """async () => {
  const WIDGET = 'application/vnd.jupyter.widget-view+json';
  const w = window.jupyterapp.shell.currentWidget;
  const recs = [];
  for (const [i, cell] of w.content.widgets.entries()) {
    const m = cell.model;
    const rec = {index: i, type: m.type, count: null, outputs: [], imgs: 0, sliders: 0,
                 widgets: 0, widgetsAlive: 0, widgetsRendered: 0, widgetErrors: [],
                 running: false};
    recs.push(rec);
    if (m.type !== 'code') continue;
    rec.count = m.executionCount;
    const json = m.outputs.toJSON();
    rec.outputs = json.map(o => ({
      type: o.output_type, name: o.name || null, ename: o.ename || null,
      evalue: o.evalue ? String(o.evalue).slice(0, 300) : null,
      mimes: o.data ? Object.keys(o.data) : [],
      text: o.text ? String(o.text).slice(0, 300) : null}));
    const node = cell.node;
    const prompt = node.querySelector('.jp-InputPrompt');
    rec.running = !!prompt && prompt.textContent.includes('*');
    const area = node.querySelector('.jp-OutputArea');
    if (area) {
      rec.imgs = [...area.querySelectorAll('img')].filter(
        im => im.src && im.src.startsWith('data:image') && im.naturalWidth > 0).length;
      rec.sliders = area.querySelectorAll('.widget-slider').length;
    }
    // One output-area child per output: a widget output must render while its model lives
    // (a closed widget, e.g. a finished progress bar with leave=False, shows nothing).
    const children = cell.outputArea ? cell.outputArea.widgets : [];
    for (const [j, o] of json.entries()) {
      if (!o.data || !o.data[WIDGET]) continue;
      rec.widgets += 1;
      const child = children[j];
      const renderer = child && child.widgets ? child.widgets[child.widgets.length - 1] : null;
      if (!renderer) { rec.widgetErrors.push(`output ${j}: no renderer`); continue; }
      const text = renderer.node.textContent;
      if (/Error displaying widget|Loading widget/.test(text)) {
        rec.widgetErrors.push(`output ${j}: ${text.slice(0, 120)}`);
        continue;
      }
      let alive = true;
      if (renderer._manager && renderer._manager.promise) {
        const manager = await renderer._manager.promise;
        alive = manager.has_model(o.data[WIDGET].model_id);
      }
      if (!alive) continue;
      rec.widgetsAlive += 1;
      if (renderer.node.querySelector('.jupyter-widgets') ||
          renderer.node.classList.contains('jupyter-widgets')) rec.widgetsRendered += 1;
    }
  }
  return recs;
}"""

JS_KERNEL_STATUS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext.session && w.sessionContext.session.kernel;
  return k ? k.status : 'none';
}"""


JS_RENDERED = """() => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  for (const im of nb.node.querySelectorAll('.jp-OutputArea img')) {
    if (!im.complete) return false;
  }
  return ![...nb.node.querySelectorAll('.jp-OutputArea-output')].some(
    e => /Loading widget/.test(e.textContent));
}"""

# The explorer's figure: the images in a cell's widget Output area, once all are decoded.
JS_EXPLORER_IMAGES = """(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  const imgs = [...cell.node.querySelectorAll('.widget-output img')];
  if (!imgs.every(im => im.complete)) return null;
  return imgs.map(im => im.src).filter(s => s.startsWith('data:image'));
}"""

# Changed: the kernel is idle again and the Output widget shows a different figure.
JS_FIGURE_CHANGED = """([i, before]) => {
  const w = window.jupyterapp.shell.currentWidget;
  const k = w.sessionContext.session && w.sessionContext.session.kernel;
  if (!k || k.status !== 'idle') return false;
  const imgs = [...w.content.widgets[i].node.querySelectorAll('.widget-output img')];
  if (!imgs.length || !imgs.every(im => im.complete && im.naturalWidth > 0)) return false;
  return imgs.map(im => im.src).join('|') !== before;
}"""

JS_SLIDERS = """(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  return [...cell.node.querySelectorAll('.widget-slider')].map(s => {
    const l = s.querySelector('.widget-label');
    const h = s.querySelector('.noUi-handle');
    const r = s.querySelector('.widget-readout');
    return {label: l ? l.textContent.trim() : '',
            value: h ? h.getAttribute('aria-valuenow') : null,
            min: h ? h.getAttribute('aria-valuemin') : null,
            max: h ? h.getAttribute('aria-valuemax') : null,
            readout: r ? r.textContent.trim() : ''};
  });
}"""

JS_OUTPUT_ERRORS = """(i) => {
  const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
  return [...cell.node.querySelectorAll(
      '.widget-output [data-mime-type="application/vnd.jupyter.stderr"]')]
    .map(e => e.textContent.slice(0, 300));
}"""

# Scroll so that the cell's output (sliders and figure) fills the view, with the end of
# its code just above.
JS_SCROLL_TO = """(i) => {
  const nb = window.jupyterapp.shell.currentWidget.content;
  nb.activeCellIndex = i;
  const node = nb.widgets[i].node;
  const out = node.querySelector('.jp-OutputArea-child');
  (out || node).scrollIntoView({block: 'start'});
  const scroller = nb.node.querySelector('.jp-WindowedPanel-outer') || nb.node;
  if (out) scroller.scrollTop -= 140;
  return true;
}"""


class NotebookInLab:
    """One notebook open in a JupyterLab page: open it, run it, read it cell by cell."""

    def __init__(self, page, lab: LabServer, rel: str, workspace: str, timeout_s: float):
        self.page, self.lab, self.rel = page, lab, rel
        self.workspace, self.timeout_ms = workspace, timeout_s * 1000
        self.resumes = 0

    def open(self) -> None:
        self.page.goto(self.lab.url(self.rel, self.workspace), timeout=self.timeout_ms)
        # Kernel started and idle, document loaded.
        self.page.wait_for_function(JS_READY, timeout=self.timeout_ms, polling=500)
        self.page.evaluate(JS_WATCH_SAVES)
        self.page.evaluate("() => window.jupyterapp.commands.execute('application:toggle-left-area')")

    def _command(self, command: str, timeout_ms: float) -> None:
        self.page.evaluate(JS_RUN, command)
        self.page.wait_for_function(JS_FINISHED, timeout=timeout_ms, polling=500)

    def run_all(self, source_cells: list[dict]) -> None:
        """Run All; where it stops at an error (as Lab does), go on from the next cell
        that has not run with "Run Selected Cell and All Below", until every cell ran."""
        deadline = time.monotonic() + self.timeout_ms / 1000
        self._command("notebook:run-all-cells", self.timeout_ms)
        while True:
            pending = self.pending(source_cells)
            if not pending:
                break
            left_ms = (deadline - time.monotonic()) * 1000
            if left_ms <= 0:
                raise TimeoutError(f"{self.rel}: cells {pending} did not run within "
                                   f"{self.timeout_ms / 1000:.0f} s")
            self.resumes += 1
            if self.resumes > len(source_cells):
                raise RuntimeError(f"{self.rel}: Run All makes no progress at cell {pending[0]}")
            self.page.evaluate(JS_SELECT, pending[0])
            self._command("notebook:run-all-below", left_ms)
        self.page.wait_for_function(JS_RENDERED, timeout=60_000, polling=500)

    def pending(self, source_cells: list[dict]) -> list[int]:
        """Code cells with code that have no execution count (never ran)."""
        cells = self.cells()
        return [c["index"] for c in cells if c["type"] == "code" and c["count"] is None
                and "".join(source_cells[c["index"]]["source"]).strip()]

    def cells(self) -> list[dict]:
        return self.page.evaluate(JS_CELLS)

    def sliders(self, cell: int) -> list[dict]:
        return self.page.evaluate(JS_SLIDERS, cell)

    def explorer_figure(self, cell: int) -> list[str]:
        handle = self.page.wait_for_function(JS_EXPLORER_IMAGES, arg=cell, timeout=60_000)
        return handle.json_value()

    def move_slider(self, cell: int, k: int, timeout_s: float = 180) -> tuple[str, str]:
        """Move slider ``k`` of the explorer in ``cell`` one step with the keyboard and wait
        for the kernel to redraw the figure. Returns (value before, value after)."""
        before = "|".join(self.explorer_figure(cell))
        state = self.sliders(cell)[k]
        at_max = state["value"] is not None and float(state["value"]) >= float(state["max"])
        self.page.evaluate(
            "(i) => window.jupyterapp.shell.currentWidget.content.widgets[i]"
            ".node.setAttribute('data-augcourse-cell', String(i))", cell)
        handle = (self.page.locator(f'[data-augcourse-cell="{cell}"]')
                  .locator(".widget-slider").nth(k).locator(".noUi-handle"))
        handle.scroll_into_view_if_needed()
        handle.focus()
        self.page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
        self.page.wait_for_function(
            """([i, k, v]) => {
              const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
              const h = cell.node.querySelectorAll('.widget-slider')[k].querySelector('.noUi-handle');
              return h.getAttribute('aria-valuenow') !== v;
            }""", arg=[cell, k, state["value"]], timeout=30_000)
        self.page.wait_for_function(JS_FIGURE_CHANGED, arg=[cell, before],
                                    timeout=timeout_s * 1000, polling=250)
        return state["value"], self.sliders(cell)[k]["value"]

    def saves(self) -> list[str]:
        return self.page.evaluate("() => window.__augSaves || []")

    def output_errors(self, cell: int) -> list[str]:
        return self.page.evaluate(JS_OUTPUT_ERRORS, cell)

    def screenshot(self, path: Path, cell: int | None = None) -> None:
        if cell is not None:
            self.page.evaluate(JS_SCROLL_TO, cell)
            self.page.wait_for_function(JS_RENDERED, timeout=30_000)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path))


def clean(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text or "")
