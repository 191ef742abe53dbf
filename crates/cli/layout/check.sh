#!/usr/bin/env bash
# Fails when hot-functions.txt no longer names the functions of the release `slackline` binary
# (after a toolchain, Cargo.lock or profile change, or much new code in listen's path): the
# binary then links with its hot code scattered again and its peak RSS grows back by megabytes.
# Regenerate the list with generate.sh (needs valgrind) and commit it. The names are those of
# `cargo build --release -p slackline-cli` (and `cargo install --path crates/cli`): built together
# with other packages, the dependencies' features are unified with theirs and many names differ.
set -euo pipefail
cd "$(dirname "$0")/../../.."
bin=${CARGO_TARGET_DIR:-target}/release/slackline
list=crates/cli/layout/hot-functions.txt
[ -x "$bin" ] || { echo "layout: no release binary at $bin (cargo build --release -p slackline-cli)"; exit 1; }
listed=$(sort -u "$list" | wc -l)
found=$(nm --defined-only "$bin" | awk '{print $3}' | sort -u | comm -12 - <(sort -u "$list") | wc -l)
echo "layout: $found of the $listed functions in $list are in $bin"
if [ $((found * 100)) -lt $((listed * 90)) ]; then
    echo "layout: the list is stale; run crates/cli/layout/generate.sh and commit hot-functions.txt"
    exit 1
fi
