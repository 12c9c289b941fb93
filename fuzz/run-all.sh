#!/usr/bin/env bash
# Runs every fuzz target (or the ones named) one after another, each for
# SECONDS (default 600), then prints a summary table.
#
#   fuzz/run-all.sh [SECONDS] [TARGET...]
#
# Each target reads its committed seeds (fuzz/seeds/<t>) and grows its own
# corpus in fuzz/corpus/<t>; crash inputs land in fuzz/artifacts/<t>/; the
# libFuzzer output of each run is kept in fuzz/logs/<t>-<UTC time>.log and a
# line per run is appended to fuzz/logs/runs.tsv. corpus/, artifacts/ and
# logs/ are git-ignored. Targets run sequentially on purpose: one fuzzing
# process uses a whole core.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`). On a stable toolchain,
# RUSTC_BOOTSTRAP=1 (set below unless already set) lets cargo-fuzz use the
# nightly-only sanitizer flags. Exit status: 0 when no target crashed, 1
# otherwise.
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SECONDS_PER_TARGET="${1:-600}"
shift || true
export RUSTC_BOOTSTRAP="${RUSTC_BOOTSTRAP:-1}"

if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 [SECONDS] [TARGET...]" >&2
    exit 2
fi

if [[ $# -gt 0 ]]; then
    TARGETS=("$@")
else
    mapfile -t TARGETS < <(cargo fuzz list --fuzz-dir "$FUZZ_DIR")
fi

# Build once up front so that the time limits measure fuzzing, not compiling.
# -a: debug assertions and overflow checks, so arithmetic overflow panics.
if [[ ${#TARGETS[@]} -eq 1 ]]; then
    cargo fuzz build -a --fuzz-dir "$FUZZ_DIR" "${TARGETS[0]}" || exit 2
else
    cargo fuzz build -a --fuzz-dir "$FUZZ_DIR" || exit 2
fi

mkdir -p "$FUZZ_DIR/logs"
summary=()
failed=0
for t in "${TARGETS[@]}"; do
    mkdir -p "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" "$FUZZ_DIR/artifacts/$t"
    stamp="$(date -u +%Y%m%dT%H%M%SZ)"
    log="$FUZZ_DIR/logs/$t-$stamp.log"
    before="$(ls "$FUZZ_DIR/artifacts/$t" | wc -l)"
    echo "=== $t: ${SECONDS_PER_TARGET}s, log $log"
    start=$(date +%s)
    cargo fuzz run -a --fuzz-dir "$FUZZ_DIR" "$t" \
        "$FUZZ_DIR/corpus/$t" "$FUZZ_DIR/seeds/$t" -- \
        -max_total_time="$SECONDS_PER_TARGET" -rss_limit_mb=2048 -timeout=10 \
        -print_final_stats=1 >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | awk '{print $2}')"
    if [[ -z "$execs" ]]; then
        execs="$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')"
    fi
    # libFuzzer's own fuzzing time (excludes a rebuild by cargo fuzz run).
    fuzz_s="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
    last="$(grep -E '^#[0-9]+' "$log" | tail -1)"
    cov="$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")"
    files="$(find "$FUZZ_DIR/corpus/$t" -type f | wc -l)"
    bytes="$(du -sb "$FUZZ_DIR/corpus/$t" | cut -f1)"
    after="$(ls "$FUZZ_DIR/artifacts/$t" | wc -l)"
    new=$(( after - before ))
    if [[ $rc -ne 0 ]]; then
        failed=1
        result="FAILED(rc=$rc, new artifacts: $new)"
        grep -m1 -E "panicked at|ERROR: libFuzzer|SUMMARY:" "$log" | sed 's/^/    /'
    else
        result="ok"
    fi
    row="$t	${fuzz_s:-?}s/${elapsed}s	${execs:-?}	${cov:-?}	$files	$bytes	$result"
    summary+=("$row")
    printf '%s\t%s\n' "$stamp" "$row" >>"$FUZZ_DIR/logs/runs.tsv"
done

echo
printf '%-24s %12s %14s %6s %13s %11s  %s\n' target fuzz/wall execs cov corpus_files corpus_bytes result
for row in "${summary[@]}"; do
    IFS=$'\t' read -r t el ex cv fi by re <<<"$row"
    printf '%-24s %12s %14s %6s %13s %11s  %s\n' "$t" "$el" "$ex" "$cv" "$fi" "$by" "$re"
done
exit $failed
