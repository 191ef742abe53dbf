"""Checks a `slackline serve --report` verdict for a directory script: ok, and every envelope
file delivered and acked (a delivery lost with a socket the client dropped counts once its
redelivery is acked, as with Slack).

Usage: check_verdict.py VERDICT_JSON EXPECTED_ENVELOPE_FILES CLIENT_NAME
"""

import json
import sys

path, expected, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
with open(path, encoding="utf-8") as f:
    verdict = json.load(f)

# A directory script labels each envelope with its file name.
delivered = {d["label"] for d in verdict["envelopes"]}
acked = {d["label"] for d in verdict["envelopes"] if d["outcome"] == "acked"}
problems = []
if not verdict["ok"]:
    problems.append("verdict not ok: " + json.dumps(verdict["violations"])[:2000])
if not verdict["finished"]:
    problems.append("the script did not finish")
if len(delivered) != expected:
    problems.append(f"{len(delivered)} envelope files delivered, expected {expected}")
if acked != delivered:
    problems.append(f"never acked: {sorted(delivered - acked)}")
summary = verdict["summary"]
print(
    f"{name}: {len(acked)}/{expected} envelopes acked "
    f"({summary['delivered']} deliveries: {summary['acked']} acked in time, "
    f"{summary['lost']} lost with a socket the client dropped and redelivered, "
    f"{summary['missing']} missing, {summary['late']} late); "
    f"{verdict['connections']['opened']} connections; verdict ok={verdict['ok']}"
)
for p in problems:
    print(f"{name}: FAILED: {p}")
sys.exit(1 if problems else 0)
