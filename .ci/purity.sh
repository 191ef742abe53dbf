#!/usr/bin/env bash
# Fails if a sans-IO crate's resolved dependency tree pulls in IO, async runtimes or an OS
# random source: the core, and the fake Slack, the virtual-time harness and transcripts beside
# it (the harness draws from seeded generators only: rand_core and rand_xoshiro, never getrandom).
set -euo pipefail
for crate in slackline slackline-fake slackline-sim slackline-transcript; do
    tree=$(cargo tree -p "$crate" -e normal --prefix none --locked)
    bad=$(printf '%s\n' "$tree" | grep -E -o '^(tokio|async-std|smol|futures[a-z-]*|async-tungstenite|tungstenite|hyper[a-z-]*|rustls[a-z-]*|rand|rand_chacha|rand_os|getrandom|mio|socket2) ' | sort -u || true)
    if [ -n "$bad" ]; then
        echo "purity: $crate depends on IO or an OS random source: $bad" >&2
        exit 1
    fi
    echo "purity: $crate's dependency tree is sans-IO ($(printf '%s\n' "$tree" | sort -u | wc -l) crates)"
done
