#!/usr/bin/env bash
# Regenerates hot-functions.txt: the functions the `slackline` binary runs for `listen`, by
# their symbol names, hottest first. build.rs hands the list to the linker, which places these
# functions side by side at the start of the code; see BENCHMARKS.md ("Peak RSS") for why.
#
# Runs `listen` (stdout read at once, and read only after 10 s) and `listen --quiet` under
# callgrind (valgrind) against `slackline serve --flood`, from start to exit. Names are those of
# this toolchain, Cargo.lock and profile: run it again after changing any of them, or after large
# changes to listen's code (crates/cli/layout/check.sh tells).
set -euo pipefail
cd "$(dirname "$0")/../../.."
command -v valgrind >/dev/null || { echo "generate.sh needs valgrind (apt-get install valgrind)"; exit 1; }
cargo build --release --locked -q -p slackline-cli
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/slackline")
work=$(mktemp -d)
serve_pid=
source .ci/serve.sh
cleanup() {
    [ -n "$serve_pid" ] && kill "$serve_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# More than the default dedupe remembers (20,000 ids, two per envelope), so that forgetting runs.
envelopes=12000
profile() {
    local name=$1
    shift
    serve_in_background tests/data/traffic/socket-mode --flood "$envelopes" --timeout 300s
    # A reader that starts late: stdout fills up and the paths of back-pressure run too.
    SLACK_APP_TOKEN=xapp-1-A0-1-layout valgrind --tool=callgrind --demangle=no \
        --callgrind-out-file="$work/$name.cg" "$bin" listen --api-url "$api_url" \
        --max-events "$envelopes" "$@" 2>"$work/$name.err" | { sleep "$reader_delay"; cat >/dev/null; } ||
        { cat "$work/$name.err"; exit 1; }
    wait "$serve_pid" || true
    serve_pid=
}
reader_delay=0 profile printed
reader_delay=10 profile stalled
reader_delay=0 profile quiet --quiet

python3 - "$bin" "$work"/*.cg >crates/cli/layout/hot-functions.txt <<'PY'
# Sums each function's own instruction count (callgrind's output format, names compressed
# as "(id) name" the first time) over the runs, for functions of the binary only. Other lines
# (files, jumps) start with a letter and are passed over as no cost line.
import collections, re, sys

binary, runs = sys.argv[1], sys.argv[2:]
cost = collections.Counter()
for run in runs:
    # Objects (ob=, cob=) and functions (fn=, cfn=) each share one table of ids.
    names = {"ob": {}, "fn": {}}
    obj = fn = None
    skip_next = False
    for line in open(run, errors="replace"):
        line = line.rstrip("\n")
        key, _, value = line.partition("=")
        if key in ("ob", "cob", "fn", "cfn"):
            table = names[key.removeprefix("c")]
            name = value
            if value.startswith("("):
                ident, _, rest = value.partition(")")
                name = rest.strip() or table.get(ident, "")
                if rest.strip():
                    table[ident] = name
            if key == "ob":
                obj = name
            elif key == "fn":
                # Callgrind tells apart functions of one name (local symbols) as `name'2`.
                fn = re.sub(r"'\d+$", "", name) if obj == binary else None
            continue
        if key == "calls":
            skip_next = True  # the next cost line is the call's inclusive cost
            continue
        if line[:1].isdigit() or line[:1] in "+-*":
            if skip_next:
                skip_next = False
            elif fn:
                fields = line.split()
                if len(fields) >= 2:
                    cost[fn] += int(fields[1])
for name, _ in sorted(cost.items(), key=lambda item: (-item[1], item[0])):
    # Addresses without a symbol ("0x…") and "(below main)" are not names the linker knows.
    if not name.startswith(("0x", "(")):
        print(name)
PY
# What callgrind cannot see: code for CPU features valgrind's CPU lacks (SHA-NI for the
# WebSocket handshake's SHA-1) and paths only threads racing at full speed take.
nm --defined-only "$bin" | awk '{print $3}' |
    grep -E 'x86_sha8compress|lock_contended|5bytes5bytes11static_drop' |
    grep -vxF -f crates/cli/layout/hot-functions.txt >>crates/cli/layout/hot-functions.txt || true
echo "generate.sh: $(wc -l <crates/cli/layout/hot-functions.txt) functions in crates/cli/layout/hot-functions.txt"
