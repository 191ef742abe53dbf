# Starting `slackline serve` in the background; sourced by .ci/lib.sh and
# crates/cli/layout/generate.sh, which set $bin (the binary) and $work (a scratch directory).

# serve_in_background ARGS...: `$bin serve ARGS` in the background; sets $serve_pid, and
# $api_url once its first stdout line says which port it took.
serve_in_background() {
    "$bin" serve "$@" >"$work/serve.out" 2>"$work/serve.err" &
    serve_pid=$!
    for _ in $(seq 100); do
        [ -s "$work/serve.out" ] && break
        sleep 0.1
    done
    local port
    port=$(sed -n 's/.*"port":\([0-9]*\).*/\1/p' "$work/serve.out" | head -1)
    [ -n "$port" ] || { cat "$work/serve.err"; echo "$(basename "$0"): serve did not start"; exit 1; }
    api_url="http://127.0.0.1:$port/api/"
}
