#!/usr/bin/env bash
# The modal round trip of examples/bots/modal.rs against `slackline serve examples/bots/modal.jsonl`:
# the bot must ack the slash command, answer the short title with an error in the ack, close the
# modal on the valid one, and post the ticket and its details (two chat.postMessage in #general).
# The fake's verdict says what it did. Loopback only, bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
LIMIT=60 # seconds, for each process

source .ci/lib.sh
cargo build --locked -q -p slackline-examples --example modal
target=${CARGO_TARGET_DIR:-target}
start_serve examples/bots/modal.jsonl "$work/verdict.json"

SLACK_APP_TOKEN=xapp-1-A0TICKETS-1-ci SLACK_BOT_TOKEN=xoxb-1-2-ci SLACK_API_URL="$api_url" \
    timeout "$LIMIT" "$target/debug/examples/modal" >"$work/bot.out" 2>"$work/bot.err" &
bot_pid=$!
pids+=("$bot_pid")

serve_status=0
wait "$serve_pid" || serve_status=$?
# The script ends with link_disabled: the bot stops by itself, with that error.
bot_status=0
wait "$bot_pid" || bot_status=$?
if ! python3 .ci/modal_verdict.py "$work/verdict.json" || [ "$serve_status" != 0 ]; then
    echo "modal: serve exited with $serve_status, the bot with $bot_status; the bot said:"
    cat "$work/bot.err"
    exit 1
fi
grep -q "link_disabled" "$work/bot.err" || { cat "$work/bot.err"; echo "modal: the bot did not stop on link_disabled"; exit 1; }
echo "modal: ok"
