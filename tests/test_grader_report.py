"""The class report (``teacher.grader.report``): its numbers, and the page opened in headless Chromium.

The results are built by hand (no grading): what is under test is the report, and the grading
round that writes it is covered by ``tests/test_grader_fixtures.py`` and ``test_grader_queue.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from teacher.grader import GradeResult
from teacher.grader.report import part_stats, write_report

CHROMIUM = Path(os.environ.get("AUGCOURSE_CHROMIUM", "/usr/bin/chromium"))


def _class() -> list[GradeResult]:
    def result(student, d1, d2, status="graded", notes=()):
        return GradeResult(student, "09_drills", "09_drills.ipynb",
                           parts={"d1_soft_target": (d1, 2.0), "d2_diagnosis": (d2, 1.0)},
                           status=status, notes=list(notes))

    return [result("ada", 2.0, 1.0), result("bob", 1.0, 1.0), result("cy", 0.0, 0.0),
            result("dee", 2.0, 0.0, notes=["d2_diagnosis: this cell ran past the time limit"]),
            result("eve", 0.0, 0.0, status="failed", notes=["<script>grading failed</script>; scored 0"])]


def test_part_stats():
    stats = part_stats(_class())
    assert stats["d1_soft_target"] == {"points": 2.0, "pass_rate": 2 / 5, "mean": (1 + 0.5 + 0 + 1 + 0) / 5}
    assert stats["d2_diagnosis"] == {"points": 1.0, "pass_rate": 2 / 5, "mean": 2 / 5}


def test_report_opens_in_chromium_with_its_plots(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (install Debian's chromium or set AUGCOURSE_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api")
    page_file = write_report(_class(), tmp_path / "grades" / "09_drills.html", "09_drills")
    assert page_file == tmp_path / "grades" / "09_drills.html"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            page = browser.new_page()
            page.goto(page_file.as_uri())
            for plot in ("#plot-totals", "#plot-parts"):
                size = page.eval_on_selector(plot, "img => [img.complete, img.naturalWidth, img.naturalHeight]")
                assert size[0] and size[1] > 200 and size[2] > 100, (plot, size)  # decoded, not a broken image
            parts = page.inner_text("#parts")
            assert parts.index("d2_diagnosis") < parts.index("d1_soft_target")  # hardest (lowest mean) first
            assert "40%" in parts
            notes = page.inner_text("#notes")
            assert "dee" in notes and "time limit" in notes and "eve" in notes and "ada" not in notes
            assert "<script>grading failed</script>" in notes  # escaped: shown as text, never run
        finally:
            browser.close()
