"""Benchmark: helpers.tabular's SMOTE / BorderlineSMOTE / ADASYN against imbalanced-learn.

Same data for both (float32, a Gaussian minority class of N rows overlapping a majority class
of 2N rows), the same sampling strategy ("auto": N new minority rows), one run, ratios
reported. imbalanced-learn runs on the CPU with scikit-learn's thread pool limited to
``--threads`` (default 2); helpers runs on ``--device`` with torch limited to the same number
of CPU threads. Peak memory is the extra resident memory during the call on the CPU (the
process's high-water mark, reset before each call through /proc/self/clear_refs) and the
extra CUDA memory allocated on a GPU.

    python bench/tabular.py                      # 5k/50k/200k minority rows x 32/128 features
    python bench/tabular.py --sizes 50000x32 --methods smote
    python bench/tabular.py --quick
    python bench/tabular.py --device cuda --sizes 1000000x32 --imblearn-max-rows 200000
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._common import base_parser, cpu_thread_counts, setup_from_args, sync, write_table  # noqa: E402
from helpers import tabular as tab  # noqa: E402

FULL_SIZES = ["5000x32", "5000x128", "50000x32", "50000x128", "200000x32", "200000x128"]
QUICK_SIZES = ["2000x16", "5000x32"]
METHODS = {
    "smote": ("SMOTE", tab.smote_resample, "SMOTE", {}),
    "borderline": ("BorderlineSMOTE-1", tab.borderline_smote_resample, "BorderlineSMOTE", {}),
    "adasyn": ("ADASYN", tab.adasyn_resample, "ADASYN", {}),
}


def make_data(n_minority: int, n_features: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    n_major = 2 * n_minority
    X = torch.randn(n_minority + n_major, n_features, generator=g)
    X[n_minority:] += 0.5  # overlapping classes, so BorderlineSMOTE finds danger rows
    y = torch.cat([torch.ones(n_minority, dtype=torch.long),
                   torch.zeros(n_major, dtype=torch.long)])
    return X, y


def _release_free_memory() -> None:
    """Hand freed heap pages back to the OS so that reusing them counts as new memory."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


class PeakMemory:
    """Extra memory during a block: CPU resident high-water mark, or CUDA allocations."""

    def __init__(self, device: torch.device):
        self.device = device
        self.mib = float("nan")

    @staticmethod
    def _status(key: str) -> int:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
        return 0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            torch.cuda.reset_peak_memory_stats(self.device)
            self.base = torch.cuda.memory_allocated(self.device)
        else:
            _release_free_memory()
            try:
                Path("/proc/self/clear_refs").write_text("5")  # resets the high-water mark
            except OSError:
                pass
            self.base = self._status("VmRSS")
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
            peak = torch.cuda.max_memory_allocated(self.device)
        else:
            peak = self._status("VmHWM")
        self.mib = max(0, peak - self.base) / 2**20
        return False


def measure(fn, device: torch.device, repeat: int) -> tuple[float, float, float, object]:
    """Median wall seconds, median process CPU seconds and largest peak extra MiB over
    ``repeat`` calls (after one untimed warm-up call when ``repeat > 1``)."""
    times, cpu, peaks, out = [], [], [], None
    if repeat > 1:  # an untimed warm-up call absorbs first-call costs
        fn()
    for _ in range(repeat):
        out = None
        with PeakMemory(device) as mem:
            c0, t0 = time.process_time(), time.perf_counter()
            out = fn()
            sync(device)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        peaks.append(mem.mib)
    return statistics.median(times), statistics.median(cpu), max(peaks), out


def run_imblearn(name: str, X: np.ndarray, y: np.ndarray):
    import imblearn.over_sampling as imb

    sampler = getattr(imb, name)(random_state=0)
    return lambda: sampler.fit_resample(X, y)


def main(argv=None) -> None:
    p = base_parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", default=None,
                   help="comma-separated MINORITYxFEATURES, default " + ",".join(FULL_SIZES))
    p.add_argument("--methods", default="smote,borderline,adasyn",
                   help="comma-separated subset of " + ",".join(METHODS))
    p.add_argument("--imblearn-max-rows", type=int, default=200_000,
                   help="skip imbalanced-learn above this minority size (it is CPU-only)")
    p.add_argument("--imblearn-max-work", type=float, default=float("inf"),
                   help="skip imbalanced-learn when its neighbour-search work exceeds this: "
                        "N^2 x features for SMOTE, 4 N^2 x features for the others (which "
                        "also search the 3N rows of all classes)")
    p.add_argument("--slow-methods-max-rows", type=int, default=None,
                   help="run BorderlineSMOTE and ADASYN (both libraries) only up to this "
                        "minority size; SMOTE runs at every size")
    args = p.parse_args(argv)
    for threads in cpu_thread_counts(args):  # on the CPU: 1 and 2 threads unless --threads
        args.threads = threads
        run(args, argv)


def run(args, argv) -> None:
    device = setup_from_args(args)
    threads = args.threads or torch.get_num_threads()
    sizes = QUICK_SIZES if args.quick and args.sizes is None else (
        args.sizes.split(",") if args.sizes else FULL_SIZES)
    methods = [m.strip() for m in args.methods.split(",")]

    load_before = _load_average()
    # scikit-learn's OpenMP and BLAS pools get the same thread count as torch
    with threadpool_limits(threads):
        rows, skipped, omitted = run_all(args, sizes, methods, device)
    omitted.append(f"load average {load_before} before, {_load_average()} after")
    write_results(args, argv, device, threads, rows, skipped, omitted)


def _load_average() -> str:
    """The 1-minute load average: other jobs sharing the cores skew wall-clock ratios."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "unknown"


def run_all(args, sizes, methods, device):
    rows, skipped, omitted = [], [], []
    for size in sizes:
        n_min, n_feat = (int(v) for v in size.lower().split("x"))
        X, y = make_data(n_min, n_feat)
        Xd, yd = X.to(device), y.to(device)
        repeat = 3 if n_min <= 5000 else 1
        for method in methods:
            label, ours_fn, imb_name, kw = METHODS[method]
            if method != "smote" and args.slow_methods_max_rows is not None \
                    and n_min > args.slow_methods_max_rows:
                omitted.append(f"{label} {size}")
                continue
            def call_ours(fn=ours_fn, kw=kw, X=Xd, y=yd):
                return fn(X, y, generator=0, **kw)

            t_ours, c_ours, m_ours, out = measure(call_ours, device, repeat)
            n_out = out[0].shape[0]
            del out
            work = n_min**2 * n_feat * (1 if method == "smote" else 4)
            run_ref = n_min <= args.imblearn_max_rows and work <= args.imblearn_max_work
            if run_ref:
                t_ref, c_ref, m_ref, ref = measure(run_imblearn(imb_name, X.numpy(), y.numpy()),
                                            torch.device("cpu"), repeat)
                if ref[0].shape[0] != n_out:
                    raise RuntimeError(f"{label} {size}: {n_out} rows vs imblearn {ref[0].shape[0]}")
                del ref
                cpu_ratio = f"{c_ref / c_ours:.1f}x" if device.type == "cpu" else "-"
                cells = [f"{t_ref:.3f}", f"{t_ours:.3f}", f"**{t_ref / t_ours:.1f}x**", cpu_ratio,
                         f"{m_ref:.0f}", f"{m_ours:.0f}"]
            else:
                skipped.append(f"{label} {size}")
                cells = ["not run", f"{t_ours:.3f}", "-", "-", "-", f"{m_ours:.0f}"]
            row = [label, f"{n_min:,} x {n_feat}", f"{3 * n_min:,}", *cells]
            print(" | ".join(row), flush=True)
            rows.append(row)
    return rows, skipped, omitted


def write_results(args, argv, device, threads, rows, skipped, omitted) -> None:
    notes = (
        f"Command: `python bench/tabular.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
        f" (threads: {threads}). Data: float32, minority N rows ~ N(0, I), majority 2N rows ~ "
        "N(0.5, I); sampling_strategy='auto' (N new rows); k=5, m=10. Times are medians of 3 "
        "calls for N <= 5 000 (after a warm-up call), one call above. Peak MiB: extra memory "
        "during the call (CPU: rise of the resident high-water mark after freed heap pages are "
        "returned with malloc_trim; CUDA: allocated bytes). CPU-time ratio: "
        "imblearn's process CPU seconds over helpers', a check on the wall-clock ratio when "
        "other work shares the cores."
    )
    load = omitted.pop()
    notes += f" Machine {load} (the CPU-time ratio is the steadier figure when it is high)."
    if omitted:
        notes += " Not run at all (time on this machine): " + ", ".join(omitted) + "."
    if skipped:
        notes += " imbalanced-learn not run (too slow for this machine): " + ", ".join(skipped) + "."
    header = ["method", "minority rows x features", "total rows", "imblearn s", "helpers s",
              "speed-up (wall)", "CPU-time ratio", "imblearn peak MiB", "helpers peak MiB"]
    write_table("tabular", device, header, rows, notes=notes, write=not args.no_write)


if __name__ == "__main__":
    main()
