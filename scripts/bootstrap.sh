#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build and test omearrow:
# Debian packages (compiler, CMake, GoogleTest, Google Benchmark, ...) and a Python
# virtual environment in .venv with the pinned packages. Safe to run repeatedly: it only
# installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(build-essential cmake ninja-build pkg-config libgtest-dev libbenchmark-dev
              python3-dev python3-venv libtiff-dev libpugixml-dev libcli11-dev)
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
want=$(cat requirements-dev.txt python/requirements-test.txt 2>/dev/null | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt
  if [[ -f python/requirements-test.txt ]]; then
    .venv/bin/python -m pip install -q -r python/requirements-test.txt
  fi
  echo "$want" > "$stamp"
fi
