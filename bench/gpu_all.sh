#!/usr/bin/env bash
# Run the CUDA tests and every GPU benchmark, writing Markdown tables to OUTDIR.
#
#   bench/gpu_all.sh OUTDIR [--device cuda|cpu] [--quick]
#
# Runs from the source tree (PYTHONPATH=<repo root>) with the machine's own python3 (or
# $PYTHON). Wheels in .whl/ (bench/gpu_wheels.sh: kornia, imbalanced-learn, pytest...) are
# installed with --no-index into $GPU_SITE (default /tmp/site) and put on PYTHONPATH, so a
# machine without a package registry can run it. Steps, most important first, each under a
# time limit and all within $GPU_ALL_BUDGET_S seconds (default 450: under 8 minutes; three
# times that with --device cpu):
#
#   1. the tests that exercise CUDA (pytest -k "cuda or gpu or device_convention", which
#      also matches tests marked @pytest.mark.gpu) -> OUTDIR/cuda-tests.md
#   2. bench/gpu_targets.py: every target of the GPU issue, measured against its baseline in
#      one run, with a summary and profiles of the missed ones -> OUTDIR/targets.md, profiles.md
#   3. the per-family benchmarks bench/image.py, mix.py, audio.py, tabular.py on the device
#      -> OUTDIR/<name>.md
#
# Everything is gathered into OUTDIR/gpu-<device>.md, ready to copy to bench/results/.
# A failing step is recorded in the steps table and the next one runs.
set -u

usage() { echo "usage: $0 OUTDIR [--device cuda|cpu] [--quick]" >&2; exit 2; }
[ $# -ge 1 ] || usage
OUT=$1; shift
DEVICE=cuda; QUICK=()
while [ $# -gt 0 ]; do
    case $1 in
        --device) [ $# -ge 2 ] || usage; DEVICE=$2; shift 2 ;;
        --device=*) DEVICE=${1#--device=}; shift ;;
        --quick) QUICK=(--quick); shift ;;
        *) usage ;;
    esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
PY=${PYTHON:-python3}
SITE=${GPU_SITE:-/tmp/site}
# Time limits are sized for a GPU; a CPU dry run (shared, slower) gets three times as long.
SCALE=${GPU_ALL_LIMIT_SCALE:-$([ "$DEVICE" = cpu ] && echo 3 || echo 1)}
BUDGET=${GPU_ALL_BUDGET_S:-$((450 * SCALE))}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# Carried wheels: all at once, or one by one when one does not fit this Python; without pip,
# a wheel is a zip archive laid out for site-packages, so unpacking it is enough.
install_wheel() {
    if "$PY" -m pip --version >/dev/null 2>&1; then
        "$PY" -m pip install -q --no-index --no-deps --upgrade --target "$SITE" "$@" 2>>"$OUT/pip.log"
    else
        local w; for w in "$@"; do "$PY" -m zipfile -e "$w" "$SITE" || return 1; done
    fi
}
if compgen -G ".whl/*.whl" >/dev/null; then
    mkdir -p "$SITE"
    if ! install_wheel .whl/*.whl; then
        for w in .whl/*.whl; do
            install_wheel "$w" || echo "wheel not installed (see $OUT/pip.log): $w"
        done
    fi
fi
export PYTHONPATH="$ROOT:$SITE${PYTHONPATH:+:$PYTHONPATH}"

"$PY" -c "import sys, torch; print('python', sys.version.split()[0], '| torch', torch.__version__,
      '| CUDA', torch.version.cuda, '| GPU:', torch.cuda.get_device_name() if torch.cuda.is_available() else 'none')" \
    >"$OUT/versions.txt" 2>&1
command -v nvidia-smi >/dev/null && nvidia-smi >>"$OUT/versions.txt" 2>&1
DEADLINE=$((SECONDS + BUDGET))
STEPS=()

# step NAME LIMIT_S OUTFILE CMD...: run CMD with its stdout in OUTFILE, stderr in NAME.log.
step() {
    local name=$1 limit=$(($2 * SCALE)) outfile=$3; shift 3
    local left=$((DEADLINE - SECONDS))
    if [ "$left" -lt 15 ]; then
        STEPS+=("| $name | not run (time budget spent) | 0 |"); return
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    echo "== $name (limit ${limit} s): $*"
    local t0=$SECONDS rc
    timeout --kill-after=10 "$limit" "$@" >"$outfile" 2>"$OUT/$name.log"
    rc=$?
    local status="ok"
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && status="**timed out** after ${limit} s"
    [ $rc -ne 0 ] && [ "$status" = ok ] && status="**failed** (exit $rc, see $name.log)"
    STEPS+=("| $name | $status | $((SECONDS - t0)) |")
    echo "   $status in $((SECONDS - t0)) s"
}

# 1. CUDA tests: every test file that mentions CUDA, selected by name or gpu marker.
mapfile -t TEST_FILES < <(grep -l "cuda" tests/test_*.py | grep -v -e test_browser -e test_notebook)
step cuda-tests 120 "$OUT/cuda-tests.txt" \
    "$PY" -m pytest -q -rs -p no:cacheprovider --continue-on-collection-errors \
    -k "cuda or gpu or device_convention" --junitxml "$OUT/cuda-tests.xml" "${TEST_FILES[@]}"
{ echo "## CUDA tests"; echo; echo '```'; tail -n 40 "$OUT/cuda-tests.txt"; echo '```'; } >"$OUT/cuda-tests.md"

# 2. The targets, with their summary.
step targets 300 "$OUT/targets.txt" "$PY" bench/gpu_targets.py --device "$DEVICE" "${QUICK[@]}" --out "$OUT"

# 3. The per-family benchmarks (their own tables; --no-write keeps bench/results/ untouched).
TAB_SIZES=(--sizes 20000x32,100000x32,1000000x32 --imblearn-max-rows 20000 --slow-methods-max-rows 100000)
[ ${#QUICK[@]} -gt 0 ] && TAB_SIZES=(--sizes 2000x16 --methods smote)
step image 60 "$OUT/image.md" "$PY" bench/image.py --device "$DEVICE" --no-write "${QUICK[@]}"
step mix 60 "$OUT/mix.md" "$PY" bench/mix.py --device "$DEVICE" --no-write "${QUICK[@]}"
step audio 90 "$OUT/audio.md" "$PY" bench/audio.py --device "$DEVICE" --no-write "${QUICK[@]}"
step tabular 120 "$OUT/tabular.md" "$PY" bench/tabular.py --device "$DEVICE" --no-write "${TAB_SIZES[@]}"

# Gather everything into one file named after the device.
NAME=$("$PY" -c "import sys, torch; d = sys.argv[1]
print(torch.cuda.get_device_name().replace(' ', '-') if d == 'cuda' and torch.cuda.is_available() else d)" "$DEVICE" 2>/dev/null || echo "$DEVICE")
REPORT="$OUT/gpu-$NAME.md"
{
    echo "# GPU run: $NAME"
    echo
    echo "Command: \`bench/gpu_all.sh OUTDIR --device $DEVICE ${QUICK[*]}\` ($(date -u '+%Y-%m-%d %H:%M UTC'), budget ${BUDGET} s)"
    echo
    head -n 1 "$OUT/versions.txt"
    echo
    echo "| step | status | seconds |"
    echo "|---|---|---|"
    printf '%s\n' "${STEPS[@]}"
    echo
    [ -f "$OUT/targets.md" ] && sed 's/^#/##/' "$OUT/targets.md" && echo
    for f in cuda-tests image mix audio tabular; do
        [ -s "$OUT/$f.md" ] && { echo "# $f"; echo; sed 's/^#/##/' "$OUT/$f.md"; echo; }
    done
    [ -f "$OUT/profiles.md" ] && sed 's/^#/##/' "$OUT/profiles.md"
} >"$REPORT"
echo
printf '%s\n' "| step | status | seconds |" "|---|---|---|" "${STEPS[@]}"
[ -f "$OUT/targets.md" ] && sed -n '/^## Summary/,$p' "$OUT/targets.md"
echo "all tables: $REPORT (copy it to bench/results/)"
