# What the CI scripts that run `slackline serve` share; sourced, not run. Each sets LIMIT
# (seconds, for each process) before sourcing it.

# A scratch directory and the background processes, both gone when the script exits.
work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --locked -q -p slackline-cli
bin=${CARGO_TARGET_DIR:-target}/debug/slackline

source "$(dirname "${BASH_SOURCE[0]}")/serve.sh"

# start_serve SCRIPT REPORT: `slackline serve` in the background, bounded by LIMIT; sets
# $serve_pid and $api_url.
start_serve() {
    serve_in_background "$1" --report "$2" --timeout "${LIMIT}s"
    pids+=("$serve_pid")
}
