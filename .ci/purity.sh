#!/usr/bin/env bash
# Fails if the core crate's resolved dependency tree pulls in IO, async runtimes or randomness.
set -euo pipefail
tree=$(cargo tree -p slackline -e normal --prefix none --locked)
bad=$(printf '%s\n' "$tree" | grep -E -o '^(tokio|async-std|smol|futures[a-z-]*|async-tungstenite|tungstenite|hyper[a-z-]*|rustls[a-z-]*|rand[a-z_-]*|getrandom|mio|socket2) ' | sort -u || true)
if [ -n "$bad" ]; then
    echo "purity: the core crate depends on IO or randomness: $bad" >&2
    exit 1
fi
echo "purity: core dependency tree is sans-IO ($(printf '%s\n' "$tree" | sort -u | wc -l) crates)"
