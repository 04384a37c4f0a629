"""Unit checks of the grader's pieces: restoring cells, variants, trusted answers, the sandbox's
command line and the refusal to grade without it."""

from __future__ import annotations

import copy

import nbformat
import pytest
import torch
from conftest import ROOT

from helpers.drills import variant
from teacher.drills import PARTS, grade_part
from teacher.drills.specs import PROBE_PRELUDE, part_rng
from teacher.grader import sandbox
from teacher.grader.engine import _load_answer
from teacher.grader.restore import release_source, restore

SOURCE = nbformat.read(ROOT / "solutions" / "09_drills" / "09_drills.ipynb", 4)
RELEASE = nbformat.read(ROOT / "notebooks" / "09_drills" / "09_drills.ipynb", 4)


def _gid(c):
    return c.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def test_release_source_matches_nbgrader_release():
    by_gid = {_gid(c): c for c in RELEASE.cells if _gid(c)}
    for c in SOURCE.cells:
        if _gid(c):
            assert release_source(c).strip() == by_gid[_gid(c)].source.strip(), _gid(c)


def test_restore_puts_deleted_and_edited_tests_back_in_order():
    student = copy.deepcopy(RELEASE)
    student.cells = [c for c in student.cells if _gid(c) != "d1_my_target"]
    next(c for c in student.cells if _gid(c) == "d4_views").source = "pass"
    student.cells.reverse()
    nb, notes = restore(SOURCE, student)
    assert [_gid(c) for c in nb.cells] == [_gid(c) for c in SOURCE.cells]
    tests = {_gid(c): c.source for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert tests["d4_views"] == next(c.source for c in SOURCE.cells if _gid(c) == "d4_views")
    assert any("'d1_my_target' was deleted" in n for n in notes)
    assert any("'d4_views' was edited" in n for n in notes)
    assert any("moved" in n for n in notes)


def test_restore_keeps_student_answers_and_added_cells():
    student = copy.deepcopy(RELEASE)
    pos = next(i for i, c in enumerate(student.cells) if _gid(c) == "d1_soft_target_answer")
    student.cells[pos].source = "def make_soft_target(*a):\n    return HELPER"
    student.cells.insert(pos + 1, nbformat.v4.new_code_cell("HELPER = 1", id="mine"))
    nb, notes = restore(SOURCE, student)
    i = next(i for i, c in enumerate(nb.cells) if _gid(c) == "d1_soft_target_answer")
    assert nb.cells[i].source.endswith("return HELPER") and nb.cells[i + 1].source == "HELPER = 1"
    assert notes == []


def test_variants_differ_between_students_and_switch_off(monkeypatch):
    a, b = variant("alice"), variant("bob")
    assert a == variant("alice") and a != b
    assert a["i"] != a["j"] and 0 <= a["i"] < a["K"] and 0.55 <= a["lam"] <= 0.95
    monkeypatch.setenv("AUGCOURSE_VARIANTS", "0")
    assert {k: v for k, v in variant("alice").items() if k != "student"} == \
        {k: v for k, v in variant("bob").items() if k != "student"}


def test_student_id_from_file(tmp_path, monkeypatch):
    from helpers.drills import student_id

    monkeypatch.delenv("AUGCOURSE_STUDENT_ID", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert student_id() == "anonymous"
    (tmp_path / ".augcourse-student").write_text("carol\n")
    assert student_id() == "carol"


def _reference_namespace():
    ns: dict = {}
    code = "\n".join(c.source for c in SOURCE.cells
                     if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")
                     and _gid(c) in ("d1_soft_target_answer", "d4_views_answer"))
    exec("import torch\nimport torch.nn.functional as F\n" + code, ns)  # noqa: S102 - our own solutions
    return ns


@pytest.mark.parametrize("gid", ["d1_soft_target", "d4_views"])
def test_reference_solutions_earn_full_points_and_wrong_ones_none(gid):
    ns = _reference_namespace()
    part = next(p for p in PARTS if p.grade_id == gid)
    assert grade_part(gid, ns) == part.points
    bad = dict(ns)
    for name in part.defines:
        bad[name] = lambda *a, **k: torch.zeros(1)
    with pytest.raises(AssertionError):
        grade_part(gid, bad)


def test_messages_do_not_reveal_expected_values():
    part = next(p for p in PARTS if p.grade_id == "d1_soft_target")
    v = variant("x")
    inputs = part.make_inputs(v, part_rng(part, "x", "s"))
    answers = [torch.zeros(K) for _, _, _, K, _ in inputs["cases"]]
    points, lines = part.score(v, inputs, answers)
    assert points == 0
    text = " ".join(lines)
    assert "entries are off" in text
    assert "largest absolute error" not in text and "tensor(" not in text


def test_answers_need_the_nonce_and_plain_data(tmp_path):
    good = tmp_path / "a.pt"
    torch.save({"nonce": "n1", "answer": [1.0]}, good)
    assert _load_answer(good, "n1") == ([1.0], None)
    assert _load_answer(good, "other")[0] is None
    evil = tmp_path / "b.pt"
    torch.save({"nonce": "n1", "answer": object()}, evil)  # pickled object: refused
    answer, problem = _load_answer(evil, "n1")
    assert answer is None and "plain data" in problem
    assert "def _plain" in PROBE_PRELUDE


def test_answers_are_never_read_through_a_symlink_or_a_fifo(tmp_path):
    import os

    real = tmp_path / "real.pt"
    torch.save({"nonce": "n1", "answer": [1.0]}, real)
    link = tmp_path / "link.pt"
    link.symlink_to(real)
    fifo = tmp_path / "fifo.pt"
    os.mkfifo(fifo)  # a blocking open would hang the grader forever
    for path in (link, fifo):
        answer, problem = _load_answer(path, "n1")
        assert answer is None and "not a plain file" in problem


def test_sandbox_shows_the_student_side_only(tmp_path):
    binds = sandbox.visible_paths(ROOT)
    dests = {str(dest) for _, dest in binds}
    assert {str(ROOT / "helpers"), str(ROOT / "notebooks")} <= dests
    for src, dest in binds:
        for hidden in ("solutions", "teacher", "nbgrader_config.py", ".git"):
            assert not (src == ROOT / hidden or ROOT / hidden in src.parents), (src, dest)
        assert dest != ROOT and src != ROOT.resolve()
    args = sandbox.bwrap_args(tmp_path / "kernel", tmp_path / "home", ROOT, readonly=[tmp_path / "inputs"])
    text = " ".join(args)
    assert str(ROOT / "solutions") not in text and str(ROOT / "teacher") not in text
    for flag in ("--unshare-pid", "--unshare-net", "--die-with-parent", "--proc"):
        assert flag in args
    assert ["--ro-bind", str(tmp_path / "inputs"), str(tmp_path / "inputs")] == \
        args[args.index(str(tmp_path / "inputs")) - 1:][:3]


def test_kernel_environment_leaves_the_graders_secrets_out(monkeypatch, tmp_path):
    monkeypatch.setenv("AUGCOURSE_GRADER_SECRET", "s3cret")
    monkeypatch.setenv("PGPASSWORD", "pw")
    env = sandbox.kernel_env({"AUGCOURSE_STUDENT_ID": "alice"}, tmp_path)
    assert env["AUGCOURSE_STUDENT_ID"] == "alice" and env["PYTHONPATH"] == str(ROOT)
    assert "s3cret" not in env.values() and "pw" not in env.values()


def test_missing_bubblewrap_names_the_fix(monkeypatch):
    sandbox.isolation_problem.cache_clear()
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    try:
        problem = sandbox.isolation_problem()
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.require_isolation()
    finally:
        sandbox.isolation_problem.cache_clear()
    assert "bubblewrap" in problem and "--no-isolation" in problem


def test_grade_command_refuses_without_the_sandbox(monkeypatch, tmp_path, capsys):
    import teacher.grader.__main__ as cli

    (tmp_path / "submitted").mkdir()
    monkeypatch.setattr(cli, "isolation_problem", lambda: "bubblewrap is not installed: install bubblewrap")
    rc = cli.main(["grade", "09_drills", "--submitted", str(tmp_path / "submitted")])
    assert rc == 2
    assert "install bubblewrap" in capsys.readouterr().err
    assert not (tmp_path / "gradebook.db").exists()


@pytest.mark.skipif(sandbox.isolation_problem() is not None, reason="no grading sandbox")
def test_warm_kernels_serve_one_student_each_and_are_gone_after(tmp_path):
    """Kernels started ahead (teacher.grader.warm): the claim hands over the student id, the
    imports of the cells before the first exercise are done (not later ones) but bind no name, the execution count is a cold kernel's, two kernels of
    one grader never share a uid, and a closed kernel leaves no process and no folder."""
    import dataclasses
    import os

    import psutil

    from teacher.grader.engine import kernel_plan, student_env
    from teacher.grader.warm import SubmissionKernel, WarmPool, guard_snapshot_code

    plan = kernel_plan("09_drills", limits=sandbox.Limits(), isolated=True)
    other = dataclasses.replace(plan, env=(*plan.env, ("AUGCOURSE_EXTRA", "1")))
    pool = WarmPool(1)
    pool.fill(other)
    stale = pool._ready[0]
    pids, folders = [stale.sandbox.km.provisioner.process.pid], [stale.work.root]
    assert pool.claim(plan) is None  # started for another plan: shut down, never adapted
    pool.ahead = 2
    pool.fill(plan)
    a, b = pool.claim(plan), pool.claim(plan)
    assert pool.claim(plan) is None
    if os.geteuid() == 0:
        assert a.sandbox.kernel_uid != b.sandbox.kernel_uid
    pids += [k.sandbox.km.provisioner.process.pid for k in (a, b)]
    folders += [k.work.root for k in (a, b)]
    probe = ("import sys\nfrom helpers.drills.variant import variant\n"
             "print(variant()['student'], 'helpers.image' in sys.modules, 'helpers.drills.experiments' in sys.modules, "
             "'torch' in globals(), get_ipython().execution_count)")
    cold = SubmissionKernel(plan, student_env("carol"))  # as the grader starts one without a pool
    with a, b, cold:
        assert not cold.hand_over(student_env("carol"))  # nothing was run in it: the runner snapshots
        assert cold.sandbox.execute(guard_snapshot_code(False), 60).status == "ok"
        outs: list = []
        assert cold.sandbox.execute(probe, 60, outs).status == "ok"
        carol, *_, count = "".join(o.get("text", "") for o in outs).split()
        assert carol == "carol"
        for kernel, student in ((a, "alice"), (b, "bob")):
            assert kernel.hand_over(student_env(student))
            outs = []
            assert kernel.sandbox.execute(probe, 60, outs).status == "ok"
            assert "".join(o.get("text", "") for o in outs).split() == [student, "True", "False", "False", count]
    for pid, folder in zip(pids, folders, strict=True):
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
        assert not folder.exists()


def test_the_grade_command_starts_kernels_ahead_only_where_cores_are_spare():
    import argparse
    import os

    from teacher.grader.__main__ import _warm_kernels, default_warm_kernels

    assert default_warm_kernels(2, cores=2) == 0  # every core grading: warm kernels only compete
    assert default_warm_kernels(1, cores=2) == 1
    assert default_warm_kernels(4, cores=16) == 1
    args = argparse.Namespace(cold_kernels=False, warm_kernels=None)
    assert _warm_kernels(args, {}, workers=os.cpu_count() or 1) == 0
    assert _warm_kernels(args, {"warm_kernels": 2}, workers=os.cpu_count() or 1) == 2  # the teacher's config wins
    assert _warm_kernels(argparse.Namespace(cold_kernels=False, warm_kernels=3), {}, workers=1) == 3
    assert _warm_kernels(argparse.Namespace(cold_kernels=True, warm_kernels=3), {}, workers=1) == 0
    with pytest.raises(SystemExit, match="--warm-kernels"):
        _warm_kernels(argparse.Namespace(cold_kernels=False, warm_kernels=-1), {}, workers=1)
