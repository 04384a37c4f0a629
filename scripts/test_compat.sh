#!/usr/bin/env bash
# `make test-compat`: the helpers with the oldest supported versions (requirements/compat.txt),
# in a second environment outside the course folder ($COMPAT_VENV), installed from the wheel in
# dist/ (`make dist`), never from the source tree. Checks, in order:
#   1. the wheel installs beside the torch already there without touching it;
#   2. installed from the wheel, `python -m helpers.data prepare` writes to the per-user data
#      folder and the loaders find the data there;
#   3. the helpers' tests pass;
#   4. the start-here notebook and section 5 (audio) run clean.
# Python: $COMPAT_PYTHON (default python3.12, else python3). First run: about 7 GB of downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${COMPAT_VENV:-$HOME/.cache/augcourse/compat-venv}
CONSTRAINTS=$ROOT/requirements/compat.txt
T0=$(date +%s)
say() { echo "== test-compat [$(( $(date +%s) - T0 )) s] $*"; }

if [ ! -x "$VENV/bin/python" ]; then
  PYTHON=${COMPAT_PYTHON:-python3.12}
  command -v "$PYTHON" >/dev/null && "$PYTHON" --version >/dev/null 2>&1 || PYTHON=python3
  say "creating $VENV with $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)

say "1. the torch family first, then the wheel beside it"
"${PIP[@]}" install --quiet -c "$CONSTRAINTS" torch torchvision torchaudio
torch_before=$("${PIP[@]}" freeze | grep -iE '^(torch|torchvision|torchaudio)==' | sort)
wheel=$(ls "$ROOT"/dist/augcourse_helpers-*.whl)
"${PIP[@]}" install --quiet --force-reinstall --no-deps "$wheel"
"${PIP[@]}" install --quiet -c "$CONSTRAINTS" "$wheel[notebook,teacher]" pytest
torch_after=$("${PIP[@]}" freeze | grep -iE '^(torch|torchvision|torchaudio)==' | sort)
echo "$torch_after" | tr '\n' ' '; echo
[ "$torch_before" = "$torch_after" ] || { echo "installing the wheel changed torch" >&2; exit 1; }
"${PIP[@]}" install --quiet --no-deps -r requirements-data.txt

SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
say "2. data in the per-user folder, from outside the course folder"
(cd "$SCRATCH" && env -u AUGCOURSE_DATA XDG_DATA_HOME="$SCRATCH/share" "$VENV/bin/python" -P - <<'PY'
import os, pathlib
import helpers
from helpers.data import load_spoken_digits, paths, use_project_wordnet
assert "site-packages" in helpers.__file__, helpers.__file__
assert paths.find_course_root() is None
root = paths.data_root()
assert root == pathlib.Path(os.environ["XDG_DATA_HOME"]) / "augcourse", root
from helpers.data.__main__ import prepare
prepare()
use_project_wordnet()
from nltk.corpus import wordnet
assert wordnet.synsets("good")
print("speech:", load_spoken_digits("test"), "in", root)
PY
)

say "3. the helpers' tests"
HELPER_TESTS=$(cd tests && ls test_audio_*.py test_data_images.py test_doctor.py test_grading_checks.py \
  test_image_*.py test_mix.py test_notebook_setup.py test_speech_data.py test_ssl.py test_tabular_*.py \
  test_text_*.py test_train.py test_tta.py test_wordnet.py test_packaging.py | sed 's|^|tests/|')
"$VENV/bin/python" -P -c 'import helpers, torch; print("helpers from", helpers.__file__, "| torch", torch.__version__)'
# `pytest` (not `python -m pytest`) keeps the course folder off sys.path: helpers comes from the wheel.
"$VENV/bin/pytest" -q -p no:cacheprovider $HELPER_TESTS

say "4. the start-here notebook and section 5"
# The start-here notebook shows the self-check, which lives in the teacher's package (not in the
# wheel): give the kernel that package alone, without the source tree's helpers.
mkdir -p "$SCRATCH/teacher-only" && ln -s "$ROOT/teacher" "$SCRATCH/teacher-only/teacher"
PYTHONPATH="$SCRATCH/teacher-only" "$VENV/bin/pytest" -q -p no:cacheprovider tests/test_notebooks.py \
  -k "test_solution_notebook_runs_clean and (00_start_here or 05_audio)"
say "passed"
