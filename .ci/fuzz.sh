#!/usr/bin/env bash
# Short, bounded fuzz run of every target (nightly + cargo-fuzz). New inputs go to a scratch
# directory so the tree stays clean; the seed corpora in fuzz/corpus are read, never written.
# Longer runs: FUZZ_SECONDS=3600 bash .ci/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-30}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q nightly || { echo "fuzz: no nightly toolchain" >&2; exit 1; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cargo +nightly fuzz build
for target in $(cargo +nightly fuzz list); do
    mkdir -p "$scratch/$target"
    echo "fuzz: $target for ${seconds}s"
    cargo +nightly fuzz run "$target" "$scratch/$target" "fuzz/corpus/$target" -- \
        -max_total_time="$seconds" -print_final_stats=1 2>&1 | grep -E '^(Done|stat::number_of_executed_units)|panicked|ERROR|SUMMARY' || true
    # A crash leaves an artifact and a non-zero status: fail loudly.
    if compgen -G "fuzz/artifacts/$target/crash-*" >/dev/null; then
        echo "fuzz: $target found a crash:" fuzz/artifacts/"$target"/crash-* >&2
        exit 1
    fi
done
