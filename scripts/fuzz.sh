#!/usr/bin/env bash
# Runs every libFuzzer harness (fuzz/, built in build-fuzz by `make build-fuzz`) for
# SECONDS seconds each, one after the other, and appends one line per harness to
# build-fuzz/fuzz-stats.tsv (date, harness, seconds, executions, corpus files).
# Seeds are regenerated each run (omearrow_fuzz_seeds + testdata/); the growing corpus
# lives in build-fuzz/corpus/<harness> (not in git); crash inputs are written to
# build-fuzz/crashes/<harness>/ and fail the run (keep them in fuzz/regressions/). Any
# single allocation above kFuzzMallocLimitMiB (fuzz/fuzz_util.h) counts as a crash.
# Usage: scripts/fuzz.sh SECONDS [harness...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=(record_fuzzer parquet_fuzzer tiff_fuzzer ome_xml_fuzzer
                                    decompress_fuzzer json_fuzzer)
build=build-fuzz
seeds=$build/seeds
rm -rf "$seeds"
"$build/fuzz/omearrow_fuzz_seeds" "$seeds" testdata
cp testdata/*.parquet "$seeds/parquet_fuzzer/"
cp testdata/*.tif testdata/*.tiff "$seeds/tiff_fuzzer/"
# Any single allocation above the harnesses' ceiling (fuzz/fuzz_util.h) is a bug.
# libFuzzer reports a malloc of at least -malloc_limit_mb MiB, so pass the ceiling + 1:
# a buffer of exactly the ceiling is allowed, anything a MiB or more beyond it is not.
ceiling_mb=$(sed -n 's/.*kFuzzMallocLimitMiB = \([0-9][0-9]*\);.*/\1/p' fuzz/fuzz_util.h)
[[ -n "$ceiling_mb" ]] || { echo "fuzz: kFuzzMallocLimitMiB not found" >&2; exit 1; }
malloc_limit_mb=$((ceiling_mb + 1))
mkdir -p "$build/logs"
export ARROW_DEFAULT_MEMORY_POOL=system
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1
for harness in "${harnesses[@]}"; do
  corpus=$build/corpus/$harness
  crashes=$build/crashes/$harness
  mkdir -p "$corpus" "$crashes" "fuzz/regressions/$harness"
  log=$build/logs/$harness.log
  echo "fuzz: $harness for ${seconds}s"
  status=0
  "$build/fuzz/$harness" -max_total_time="$seconds" -rss_limit_mb=2560 \
    -malloc_limit_mb="$malloc_limit_mb" -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "$seeds/$harness" "fuzz/regressions/$harness" >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$harness" "$seconds" \
    "${execs:-0}" "$files" "$bytes" >>"$build/fuzz-stats.tsv"
  echo "fuzz: $harness: ${execs:-0} executions, corpus $files files ($bytes bytes)"
  if ((status != 0)); then
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 || true
    echo "fuzz: $harness FAILED (exit $status); log: $log" >&2
    exit 1
  fi
done
