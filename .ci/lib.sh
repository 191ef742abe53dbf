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

# start_serve SCRIPT REPORT: `slackline serve` in the background, bounded by LIMIT; sets
# $serve_pid and $api_url once its first line says which port it took.
start_serve() {
    "$bin" serve "$1" --report "$2" --timeout "${LIMIT}s" >"$work/serve.out" 2>"$work/serve.err" &
    serve_pid=$!
    pids+=("$serve_pid")
    for _ in $(seq 100); do
        [ -s "$work/serve.out" ] && break
        sleep 0.1
    done
    local port
    port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/serve.out" | head -1)
    [ -n "$port" ] || { cat "$work/serve.err"; echo "$(basename "$0"): serve did not start"; exit 1; }
    api_url="http://127.0.0.1:$port/api/"
}
