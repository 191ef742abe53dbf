#!/usr/bin/env bash
# Short, bounded fuzz run of every target (nightly + cargo-fuzz). New inputs go to a scratch
# directory so the tree stays clean; the seed corpora in fuzz/corpus are read, never written.
# A crash, a timeout (an input taking over FUZZ_TIMEOUT seconds) or running out of memory fails
# the run, and the input is kept in fuzz/artifacts/<target>/ (turn it into a regression test).
# Longer runs: FUZZ_SECONDS=600 bash .ci/fuzz.sh (TESTING.md has the figures of the last ones).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
timeout=${FUZZ_TIMEOUT:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "fuzz: no nightly toolchain" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
failed=0
cargo +nightly fuzz build
for target in $(cargo +nightly fuzz list); do
    mkdir -p "$scratch/$target/corpus" "$scratch/$target/artifacts"
    echo "fuzz: $target for ${seconds}s"
    cargo +nightly fuzz run "$target" "$scratch/$target/corpus" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb=3072 \
        -artifact_prefix="$scratch/$target/artifacts/" -print_final_stats=1 2>&1 |
        grep -E '^(Done|stat::number_of_executed_units)|panicked|ERROR|SUMMARY' || true
    # Slow units (slow-unit-*) are reported, not failures.
    for found in "$scratch/$target/artifacts/"{crash,timeout,oom,leak}-*; do
        [ -e "$found" ] || continue
        mkdir -p "fuzz/artifacts/$target"
        cp "$found" "fuzz/artifacts/$target/"
        echo "fuzz: $target failed: fuzz/artifacts/$target/$(basename "$found")" >&2
        failed=1
    done
done
exit "$failed"
