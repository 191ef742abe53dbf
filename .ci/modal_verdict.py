"""Checks the verdict of examples/bots/modal.jsonl (.ci/modal.sh): the fake is satisfied, every
envelope was acked once and in time, the short title was answered in its ack (the errors), the
valid one closed the modal (a bare ack), the bot opened the modal once with the command's
trigger_id, and it posted the ticket in #general and its details in the ticket's thread.

Usage: modal_verdict.py VERDICT_JSON
"""

import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    verdict = json.load(f)

problems = []
if not verdict["ok"]:
    problems.append("verdict not ok: " + json.dumps(verdict["violations"])[:2000])
if not verdict["finished"]:
    problems.append("the script did not finish")
deliveries = {d["label"]: d for d in verdict["envelopes"]}
for label, payload in [("command", False), ("too-short", True), ("valid", False)]:
    d = deliveries.get(label)
    if d is None or d["outcome"] != "acked":
        problems.append(f"{label}: not acked in time: {d}")
    elif d["ack_payload"] != payload:
        problems.append(f"{label}: ack payload {'expected' if payload else 'not expected'}")
short = deliveries.get("too-short") or {}
errors = ((short.get("response_payload") or {}).get("errors")) or {}
if short.get("response_payload", {}).get("response_action") != "errors" or "title" not in errors:
    problems.append(f"too-short: expected response_action errors under title, got {short.get('response_payload')}")
opens = [c for c in verdict.get("calls", []) if c["method"] == "views.open"]
calls = len(opens)
if calls != 1:
    problems.append(f"views.open called {calls} times, expected once")
elif opens[0]["args"].get("trigger_id") != "1337.42.trigger" or opens[0].get("error"):
    problems.append(f"views.open: {opens[0]}")
posted = [(m["channel"], m["text"]) for m in verdict["posted"] if m["via"] == "chat.postMessage"]
expected = [
    ("C0GENERAL", "New ticket from <@U0ALICE>: *The 3rd floor printer is jammed*"),
    ("C0GENERAL", "Paper tray 2, since this morning."),
]
if posted != expected:
    problems.append(f"posted {posted}, expected {expected}")
else:
    ticket, details = [m for m in verdict["posted"] if m["via"] == "chat.postMessage"]
    if details.get("thread_ts") != ticket.get("ts"):
        problems.append(f"the details are not in the ticket's thread: {details}")

print(
    f"modal: {len(deliveries)} envelopes, {verdict['summary']['acked']} acked in time, "
    f"views.open x{calls}, {len(posted)} messages posted; verdict ok={verdict['ok']}"
)
for p in problems:
    print(f"modal: FAILED: {p}")
sys.exit(1 if problems else 0)
