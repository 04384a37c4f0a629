"""Shared timing and reporting for the benchmark scripts under bench/.

Every benchmark compares helpers with the library a user would otherwise pick, in one run,
and writes a Markdown table to ``bench/results/<name>-<machine>.md`` with the machine named.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import platform
import statistics
import time
from pathlib import Path

import torch

RESULTS = Path(__file__).resolve().parent / "results"


def machine_name(device: torch.device) -> str:
    """A short, file-name-safe description of where the benchmark ran."""
    if device.type == "cuda":
        return torch.cuda.get_device_name(device).replace(" ", "-")
    return f"cpu-{os.cpu_count()}core-{torch.get_num_threads()}thread"


def machine_description(device: torch.device) -> str:
    """A one-line human description: processor, core count, threads, torch version."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    text = f"{cpu}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads"
    if device.type == "cuda":
        text = f"{torch.cuda.get_device_name(device)} (CUDA {torch.version.cuda}); host: {text}"
    return text


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_call(fn, device: torch.device, *, warmup: int = 2, repeat: int = 5) -> float:
    """Median wall time of ``fn()`` in seconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    sync(device)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def base_parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=None,
                   help="torch CPU threads (default: torch's own choice)")
    p.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    p.add_argument("--no-write", action="store_true", help="print only, do not record")
    return p


def setup_from_args(args) -> torch.device:
    if args.threads:
        torch.set_num_threads(args.threads)
    return torch.device(args.device)


def write_table(name: str, device: torch.device, header: list[str], rows: list[list],
                notes: str = "", write: bool = True) -> str:
    """Render a Markdown table, print it, and (unless ``write`` is False) record it."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"# {name} benchmark", "", f"Machine: {machine_description(device)}", "",
             f"Recorded: {stamp}", ""]
    if notes:
        lines += [notes, ""]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    text = "\n".join(lines) + "\n"
    print(text)
    if write:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{name}-{machine_name(device)}.md"
        path.write_text(text)
        print(f"recorded in {path.relative_to(RESULTS.parent.parent)}")
    return text


def cpu_thread_counts(args) -> list:
    """Thread counts to record: ``--threads`` if given, else 1 and 2 on the CPU (one table each)."""
    if args.threads or args.device != "cpu":
        return [args.threads]
    return [1, 2]
