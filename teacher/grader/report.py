"""The round at a glance: a class report (one HTML page with embedded plots) next to the grade CSV.

``write_report(results, path)`` writes ``grades/<assignment>.html``: the distribution of totals
(histogram), each graded part's pass rate (full points) and mean score as a fraction of its
points (which parts the class found hard), and the submissions that needed a note (timeouts,
kernel deaths, tampering, missing or failed) with the note. The plots are drawn with matplotlib
(Agg backend, no display needed) and embedded as base64 PNG ``<img>`` tags, so the page is one
file a teacher opens in any browser, offline.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from .engine import GradeResult


def part_stats(results: list[GradeResult]) -> dict[str, dict]:
    """``{grade_id: {"points", "pass_rate", "mean"}}``: share of students with full points and the
    mean score as a fraction of the part's points (manually graded parts left out)."""
    stats: dict[str, dict] = {}
    parts = list(results[0].parts) if results else []
    for gid in parts:
        scored = [r.parts[gid] for r in results if gid in r.parts and r.parts[gid][0] is not None]
        if not scored:
            continue
        points = scored[0][1]
        stats[gid] = {"points": points,
                      "pass_rate": sum(s >= m for s, m in scored) / len(scored),
                      "mean": sum(s / m if m else 0.0 for s, m in scored) / len(scored)}
    return stats


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _plots(results: list[GradeResult], stats: dict) -> dict[str, str]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure  # a Figure without pyplot: no global state, thread-safe

    totals = [r.total for r in results]
    top = max((r.max_total for r in results), default=1.0) or 1.0
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    # one bar per whole point (centred on it) up to 40 points, else 20 equal bins
    bins = [b - 0.5 for b in range(int(top) + 2)] if top <= 40 else 20
    ax.hist(totals, bins=bins, range=None if top <= 40 else (0, top), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"total score (out of {top:g})")
    ax.set_ylabel("students")
    ax.set_title("Distribution of totals")
    out = {"totals": _png(fig)}

    names = list(stats)
    fig = Figure(figsize=(6.4, 0.35 * len(names) + 1.2))
    ax = fig.subplots()
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], [stats[n]["pass_rate"] for n in names], height=0.4, label="pass rate",
            color="#55a868")
    ax.barh([y - 0.2 for y in ys], [stats[n]["mean"] for n in names], height=0.4, label="mean score / points",
            color="#c44e52")
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of the class")
    ax.set_title("Each part: pass rate and mean score")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")  # never over a full bar
    out["parts"] = _png(fig)
    return out


def report_html(results: list[GradeResult], assignment: str) -> str:
    """The whole page as a string."""
    stats = part_stats(results)
    plots = _plots(results, stats)
    esc = html.escape
    n = len(results)
    mean = sum(r.total for r in results) / n if n else 0.0
    top = max((r.max_total for r in results), default=0.0)
    rows = "\n".join(
        f"<tr><td>{esc(g)}</td><td>{s['points']:g}</td><td>{s['pass_rate']:.0%}</td><td>{s['mean']:.0%}</td></tr>"
        for g, s in sorted(stats.items(), key=lambda kv: kv[1]["mean"]))
    noted = [r for r in results if r.notes or r.status != "graded"]
    notes = "\n".join(
        f"<tr><td>{esc(r.student)}</td><td>{esc(r.status)}</td><td>{r.total:g} / {r.max_total:g}</td>"
        f"<td>{'<br>'.join(esc(x) for x in r.notes)}</td></tr>" for r in noted)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(assignment)}: class report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.25em .6em;text-align:left}} img{{max-width:100%}}</style></head>
<body>
<h1>{esc(assignment)}: class report</h1>
<p>{n} submissions; mean total {mean:.2f} of {top:g}; {len(noted)} needed a note.</p>
<h2>Distribution of totals</h2>
<img id="plot-totals" alt="histogram of total scores" src="data:image/png;base64,{plots['totals']}">
<h2>Parts, hardest first</h2>
<p>Pass rate: share of students with full points on the part. Mean: average score as a share of its points.</p>
<img id="plot-parts" alt="pass rate and mean score per part" src="data:image/png;base64,{plots['parts']}">
<table id="parts"><tr><th>part</th><th>points</th><th>pass rate</th><th>mean</th></tr>
{rows}
</table>
<h2>Submissions that needed a note</h2>
<p>Timeouts, kernel deaths, tampering, missing or failed submissions: read the feedback of these first.</p>
<table id="notes"><tr><th>student</th><th>status</th><th>score</th><th>notes</th></tr>
{notes}
</table>
</body></html>
"""


def write_report(results: list[GradeResult], path: Path, assignment: str) -> Path:
    """Write the class report to ``path`` (``grades/<assignment>.html``) and return it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(report_html(results, assignment), encoding="utf-8")
    return path
