#!/usr/bin/env bash
# The libFuzzer run of every handler (Fuzz/): builds `handler-fuzzer` with
# libFuzzer and AddressSanitizer in its own build folder, then fuzzes from a
# copy of the committed corpus (Fuzz/corpus) for the given time.
#
#   scripts/fuzz.sh [seconds, default 30] [extra libFuzzer flags]
#
# A crash or an undocumented status stops the run and leaves the input in
# .build-fuzz/crash-*; replay it with `.build/debug/handler-fuzzer FILE` in a
# normal build, and add it to Fuzz/corpus with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
swift build --scratch-path .build-fuzz --product handler-fuzzer \
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xswiftc -use-ld=lld
work=.build-fuzz/corpus
rm -rf "$work" && mkdir -p "$work" && cp Fuzz/corpus/* "$work/"
# Leaks are not what this run looks for (the harness lives for the process).
ASAN_OPTIONS=detect_leaks=0 .build-fuzz/debug/handler-fuzzer "$work" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix=.build-fuzz/ "$@" 2>&1 | grep -v '^#[0-9]*\s*\(NEW\|REDUCE\|pulse\)' || test "${PIPESTATUS[0]}" -eq 0
