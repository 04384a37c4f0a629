#!/usr/bin/env bash
# Download, on a machine with a package registry, the wheels that bench/gpu_all.sh needs on a
# GPU machine without one (Python 3.12, x86-64 Linux; torch, torchvision, torchaudio, timm,
# scikit-learn and opencv already installed there). They land in .whl/ (git-ignored), which
# travels with the working tree; gpu_all.sh installs them into a throw-away folder.
#
#   bench/gpu_wheels.sh            # then: bench/gpu_all.sh OUTDIR on the GPU machine
#
# Dependencies were read from each wheel's METADATA (unzip -p .whl/NAME-*.whl '*/METADATA' |
# grep ^Requires-Dist): kornia needs kornia_rs; imbalanced-learn needs sklearn-compat (numpy,
# scipy, scikit-learn, joblib and threadpoolctl come with scikit-learn); pytest needs pluggy,
# iniconfig, packaging and pygments. Versions follow pyproject.toml and the course's venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
mkdir -p .whl
"$PY" -m pip download --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 -d .whl \
    kornia==0.9.0 kornia_rs==0.2.0 \
    imbalanced-learn==0.14.2 sklearn-compat==0.1.6 \
    pytest==9.2.0 pluggy==1.7.0 iniconfig==2.3.1 packaging==26.4 pygments==2.21.0
ls -l .whl
