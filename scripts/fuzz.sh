#!/usr/bin/env bash
# Runs the libFuzzer harnesses (fuzz/, built in build-fuzz by `make build-fuzz`).
#
#   scripts/fuzz.sh SECONDS [harness...]         fuzz each harness for SECONDS
#   FUZZ_JOBS=N scripts/fuzz.sh SECONDS ...      N harnesses at a time (default 1)
#   scripts/fuzz.sh --merge [harness...]         fold build-fuzz's corpus into fuzz/corpus
#
# Inputs: the in-tree minimized corpus fuzz/corpus/<harness>/ (kept in git, so every run on
# any machine starts where the last merged run stopped), freshly generated seeds
# (omearrow_fuzz_seeds + testdata/) and fuzz/regressions/<harness>/. New inputs go to
# build-fuzz/corpus/<harness>/ (not in git; a later run resumes from it); `--merge` adds
# those that reach new coverage (and are at most 128 KB) to fuzz/corpus with libFuzzer's
# -merge=1.
# Each fuzz run appends a line to fuzz/stats.tsv (kept in git; FUZZ_STATS=path elsewhere,
# as `make fuzz-ci` does): date, harness, seconds, executions, corpus files and bytes, peak
# RSS in MB. docs/reliability.md sums it (scripts/fuzz_stats.py). Crash inputs are
# written to build-fuzz/crashes/<harness>/ and fail the run (keep them in
# fuzz/regressions/). Any single allocation above kFuzzMallocLimitMiB (fuzz/fuzz_util.h)
# counts as a crash; RSS above 2560 MB too (harnesses reset process-wide caches per
# input, so a long run stays flat).
set -euo pipefail
cd "$(dirname "$0")/.."
all_harnesses=(record_fuzzer parquet_fuzzer tiff_fuzzer ome_xml_fuzzer decompress_fuzzer
               json_fuzzer)
build=build-fuzz
stats=${FUZZ_STATS:-fuzz/stats.tsv}

if [[ "${1:-}" == "--merge" ]]; then
  shift
  harnesses=("$@")
  ((${#harnesses[@]})) || harnesses=("${all_harnesses[@]}")
  for harness in "${harnesses[@]}"; do
    mkdir -p "fuzz/corpus/$harness" "$build/corpus/$harness"
    before=$(find "fuzz/corpus/$harness" -type f | wc -l)
    ARROW_DEFAULT_MEMORY_POOL=system ASAN_OPTIONS=detect_leaks=0 \
      "$build/fuzz/$harness" -merge=1 -rss_limit_mb=2560 -timeout=30 \
      "fuzz/corpus/$harness" "$build/corpus/$harness" >"$build/logs/$harness.merge.log" 2>&1
    # Keep the in-tree corpus small: inputs over 128 KB (mostly mutated copies of the
    # sample files, which every run seeds anyway) stay in build-fuzz only.
    find "fuzz/corpus/$harness" -type f -size +128k -delete
    after=$(find "fuzz/corpus/$harness" -type f | wc -l)
    echo "fuzz: merged $harness: $before -> $after files ($(du -sh "fuzz/corpus/$harness" | cut -f1))"
  done
  exit 0
fi

seconds=${1:-60}
shift || true
harnesses=("$@")
((${#harnesses[@]})) || harnesses=("${all_harnesses[@]}")
jobs=${FUZZ_JOBS:-1}
seeds=$build/seeds
rm -rf "$seeds"
"$build/fuzz/omearrow_fuzz_seeds" "$seeds" testdata
cp testdata/*.parquet "$seeds/parquet_fuzzer/"
cp testdata/*.tif testdata/*.tiff "$seeds/tiff_fuzzer/"
# libFuzzer reports a malloc of at least -malloc_limit_mb MiB, so pass the ceiling + 1:
# a buffer of exactly the ceiling is allowed, anything a MiB or more beyond it is not.
ceiling_mb=$(sed -n 's/.*kFuzzMallocLimitMiB = \([0-9][0-9]*\);.*/\1/p' fuzz/fuzz_util.h)
[[ -n "$ceiling_mb" ]] || { echo "fuzz: kFuzzMallocLimitMiB not found" >&2; exit 1; }
malloc_limit_mb=$((ceiling_mb + 1))
mkdir -p "$build/logs"
[[ -f "$stats" ]] || printf 'date\tharness\tseconds\texecutions\tcorpus_files\tcorpus_bytes\tpeak_rss_mb\n' >"$stats"
export ARROW_DEFAULT_MEMORY_POOL=system
# A smaller quarantine and periodic release keep a long run's RSS flat (ASan's default
# quarantine alone grows to 256 MB of freed memory). Runs of 5 minutes or more also keep
# no allocation/free stacks (malloc_context_size=0): ASan's records of them grew a
# 30-minute parquet run from 245 to 694 MB, while the same corpus replayed 14 times without
# them stays at 84 MB (docs/reliability.md). Errors are still detected; their reports lack
# the "allocated by"/"freed by" stacks, which replaying the saved input in build-asan gives.
asan_stacks=""
if ((seconds >= 300)); then asan_stacks=":malloc_context_size=0"; fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=64:allocator_release_to_os_interval_ms=2000$asan_stacks
export UBSAN_OPTIONS=print_stacktrace=1

# Fuzzes one harness; prints its summary and returns non-zero on a crash.
run_one() {
  local harness=$1
  local corpus=$build/corpus/$harness crashes=$build/crashes/$harness
  local log=$build/logs/$harness.log status=0
  mkdir -p "$corpus" "$crashes" "fuzz/regressions/$harness" "fuzz/corpus/$harness"
  echo "fuzz: $harness for ${seconds}s"
  local started=$SECONDS
  # New inputs are written to the first directory only.
  "$build/fuzz/$harness" -max_total_time="$seconds" -rss_limit_mb=2560 \
    -malloc_limit_mb="$malloc_limit_mb" -timeout=30 \
    -print_final_stats=1 -artifact_prefix="$crashes/" \
    "$corpus" "fuzz/corpus/$harness" "$seeds/$harness" "fuzz/regressions/$harness" \
    >"$log" 2>&1 || status=$?
  local execs rss files bytes
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
  rss=$(awk '/stat::peak_rss_mb/ {print $2}' "$log" | tail -1)
  files=$(find "$corpus" -type f | wc -l)
  bytes=$(du -sb "$corpus" | cut -f1)
  # The seconds it really ran (a crash or timeout ends a run early).
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$harness" "$((SECONDS - started))" \
    "${execs:-0}" "$files" "$bytes" "${rss:-0}" >>"$stats"
  echo "fuzz: $harness: ${execs:-0} executions, peak RSS ${rss:-?} MB, corpus $files files"
  if ((status != 0)); then
    grep -E 'ERROR|SUMMARY|Test unit written' "$log" | head -20 || true
    echo "fuzz: $harness FAILED (exit $status); log: $log" >&2
    return 1
  fi
}

failed=0
running=0
for harness in "${harnesses[@]}"; do
  run_one "$harness" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n || failed=1
    running=$((running - 1))
  fi
done
while ((running > 0)); do
  wait -n || failed=1
  running=$((running - 1))
done
exit $failed
