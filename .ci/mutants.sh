#!/usr/bin/env bash
# Does the chaos layer catch a broken session? Applies one hand-made mutant at a time to the
# core, runs the chaos properties (PROPTEST_CASES, default 64) and expects them to fail, then
# restores the file. Not part of CI (each mutant is a rebuild); TESTING.md lists the results.
# Refuses to run on a tree with changes to src/ (the mutants are undone with git checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git diff --quiet -- src/; then
    echo "mutants: src/ has uncommitted changes; commit or stash them first" >&2
    exit 1
fi
# An interrupted run must not leave a mutant in the tree (src/ was clean when it started).
trap 'git checkout --quiet -- src/' EXIT
export PROPTEST_CASES=${PROPTEST_CASES:-64}
survived=0

# mutant NAME FILE OLD NEW: replaces the first OLD with NEW in FILE.
mutant() {
    local name=$1 file=$2
    python3 - "$file" "$3" "$4" <<'PY'
import sys
path, old, new = sys.argv[1:4]
text = open(path).read()
assert old in text, f"{path}: mutation site not found"
open(path, "w").write(text.replace(old, new, 1))
PY
    if cargo test --quiet --test chaos >/dev/null 2>&1; then
        echo "mutants: $name SURVIVED"
        survived=1
    else
        echo "mutants: $name caught"
    fi
    git checkout --quiet -- "$file"
}

mutant break-before-make src/session/mod.rs \
    '            self.rtm_begin_overlap(now);
        }' \
    '            self.rtm_begin_overlap(now);
            self.remove_connection(i, Some((CLOSE_NORMAL, "mutant")), &CloseCause::Replaced);
        }'
mutant no-pong-deadline src/session/mod.rs \
    '        c.timers.set(slot::PONG, now + pong_timeout);' ''
mutant ignore-retry-after src/session/mod.rs \
    '            delay = delay.max(minimum);' '            let _ = minimum;'
mutant fatal-errors-retried src/session/mod.rs \
    '        if error.is_fatal() {' '        if error.is_fatal() && false {'
mutant ack-on-a-closed-connection src/session/mod.rs \
    '            Some(i) if self.conns[i].is_open() => conn,' \
    '            _ if true => conn,
            Some(i) if self.conns[i].is_open() => conn,'
mutant no-dedupe src/session/socket_mode.rs \
    '            Some(dedupe) => match envelope.event_id() {' \
    '            Some(_) if true => false,
            Some(dedupe) => match envelope.event_id() {'
mutant duplicates-not-acked src/session/socket_mode.rs \
    '        } else if let Err(error) = self.send_ack(envelope.conn(), envelope.raw_id(), None) {' \
    '        } else if duplicate {
        } else if let Err(error) = self.send_ack(envelope.conn(), envelope.raw_id(), None) {'
mutant no-rtm-pacing src/session/rtm.rs \
    'rtm.next_send_at = now + rtm.send_interval' 'rtm.next_send_at = now'
exit "$survived"
