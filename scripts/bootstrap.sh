#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test omearrow:
# Debian packages (compiler, CMake, GoogleTest, Google Benchmark, ...) and a Python
# virtual environment in .venv with the pinned packages. Safe to run repeatedly: it only
# installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build pkg-config libgtest-dev libbenchmark-dev
              python3-dev python3-venv libtiff-dev libpugixml-dev libcli11-dev nlohmann-json3-dev
              libpng-dev  # preview pictures (util/png.h)
              libfreetype-dev fonts-dejavu-core  # montage captions (util/text_raster.h)
              clang-14 libclang-rt-14-dev)  # clang: the libFuzzer harnesses (make fuzz)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  $PYTHON -m venv .venv
fi
stamp=.venv/.omearrow-requirements
requirement_files=(requirements-dev.txt)
[[ -f python/requirements-test.txt ]] && requirement_files+=(python/requirements-test.txt)
want=$(cat "${requirement_files[@]}" | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  for file in "${requirement_files[@]}"; do
    .venv/bin/python -m pip install -q -r "$file"
  done
  echo "$want" > "$stamp"
fi
