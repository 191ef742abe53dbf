#!/usr/bin/env bash
# Interoperability: the official Python slack_sdk SocketModeClient (the README's snippet, taken
# from README.md as written), and `slackline listen`, each against `slackline serve` playing
# the recorded envelopes of tests/data/traffic/socket-mode.
# Both must receive and ack every envelope (the verdict says so). Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."

SLACK_SDK_VERSION=3.47.0
ENVELOPES=tests/data/traffic/socket-mode
LIMIT=60 # seconds, for each process

source .ci/lib.sh
python=$(command -v python3.11 || command -v python3)

echo "interop: installing slack_sdk $SLACK_SDK_VERSION into a virtual environment"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check "slack_sdk==$SLACK_SDK_VERSION"

# Envelope files in the directory: those with an envelope_id or an envelope type.
expected=$("$work/venv/bin/python" - "$ENVELOPES" <<'PY'
import json, os, sys
d = sys.argv[1]
n = 0
for name in os.listdir(d):
    if name.endswith(".json") and os.path.isfile(os.path.join(d, name)):
        head = json.load(open(os.path.join(d, name)))
        if "envelope_id" in head or head.get("type") in ("events_api", "interactive", "slash_commands"):
            n += 1
print(n)
PY
)

finish_serve() {
    local status=0
    wait "$serve_pid" || status=$?
    cat "$work/serve.err"
    return "$status"
}

# The README's python snippet, exactly as written there (after its `interop` marker).
awk '/<!-- interop:/ { marked = 1; next }
     marked && /^```python/ { inside = 1; next }
     inside && /^```/ { exit }
     inside { print }' README.md >"$work/app.py"
[ -s "$work/app.py" ] || { echo "interop: no python snippet after the interop marker in README.md"; exit 1; }

echo "interop: the README's python slack_sdk snippet against slackline serve ($expected envelopes)"
start_serve "$ENVELOPES" "$work/python-verdict.json"
SLACK_API_URL="$api_url" timeout "$LIMIT" "$work/venv/bin/python" "$work/app.py" \
    >"$work/python.out" 2>"$work/python.err" &
python_pid=$!
pids+=("$python_pid")
# The client runs until the fake's script has ended; the verdict judges it.
serve_status=0
finish_serve || serve_status=$?
if ! kill -0 "$python_pid" 2>/dev/null; then
    echo "interop: the python client had already exited (the snippet must keep it running):"
    cat "$work/python.err"
    exit 1
fi
kill -TERM "$python_pid" 2>/dev/null || true
wait "$python_pid" 2>/dev/null || true
if ! "$work/venv/bin/python" .ci/interop/check_verdict.py "$work/python-verdict.json" "$expected" "slack_sdk $SLACK_SDK_VERSION" \
    || [ "$serve_status" != 0 ]; then
    echo "interop: serve exited with $serve_status; the python client said:"
    cat "$work/python.err"
    exit 1
fi

echo "interop: slackline listen against slackline serve"
start_serve "$ENVELOPES" "$work/listen-verdict.json"
status=0
SLACK_APP_TOKEN=xapp-1-A0INTEROP-1-interop timeout "$LIMIT" "$bin" listen --quiet --api-url "$api_url" || status=$?
# The script ends with `disconnect: link_disabled`: Slack ended the session, status 3.
[ "$status" = 3 ] || { echo "interop: listen exited with $status, expected 3"; exit 1; }
finish_serve
"$work/venv/bin/python" .ci/interop/check_verdict.py "$work/listen-verdict.json" "$expected" "slackline listen"
echo "interop: ok"
