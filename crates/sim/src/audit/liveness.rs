//! Connections over time: opened and gone in time, half-open ones abandoned within ping
//! interval + pong timeout, and no moment without a live connection while a replacement that
//! nothing disturbed was under way (make before break).

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Audit, Rule};
use slackline::ConnId;
use slackline::Instant;
use slackline::{Phase, Session};

/// The shortest grace period after a refresh notice in which a replacement can be expected to
/// come up (Slack gives 10 s; a connection closed sooner leaves a gap that is not the client's).
pub(crate) const MIN_GRACE: Duration = Duration::from_secs(2);

impl Audit {
    /// The harness made `conn` half-open at `now`: a live connection must be abandoned within
    /// ping interval + pong timeout (one still waiting for `hello` has the hello timeout).
    pub fn half_open(&mut self, now: Instant, conn: ConnId, session: &Session) {
        let live = session
            .connections()
            .any(|c| c.id == conn && c.phase == Phase::Live);
        if live && self.open.contains_key(&conn) {
            self.half_open.entry(conn).or_insert(now + self.ping_bound);
        }
    }

    pub(super) fn check_connections(&mut self, now: Instant, session: &Session) {
        let paused = session.is_input_paused();
        let was_paused = std::mem::replace(&mut self.input_paused, paused);
        if paused || was_paused {
            // Nothing is read while the driver is paused: the session restarts its hello and
            // liveness deadlines when reading resumes, and so does the audit.
            for opened in self.open.values_mut() {
                *opened = (*opened).max(now);
            }
            for by in self.half_open.values_mut() {
                *by = (*by).max(now + self.ping_bound);
            }
        }
        let phases: BTreeMap<ConnId, Phase> =
            session.connections().map(|c| (c.id, c.phase)).collect();
        let mut found = Vec::new();
        for (&conn, &opened) in &self.open {
            match phases.get(&conn) {
                None => found.push((
                    conn,
                    Rule::ConnectionForgotten,
                    format!("{conn} is open but the session no longer knows it"),
                )),
                Some(Phase::Live) => {}
                Some(phase) if opened + self.hello_timeout < now => found.push((
                    conn,
                    Rule::HelloNotAwaited,
                    format!(
                        "{conn} still {phase:?} {:?} after it was opened",
                        now - opened
                    ),
                )),
                Some(_) => {}
            }
        }
        for (&conn, &by) in &self.half_open {
            if by < now {
                found.push((
                    conn,
                    Rule::HalfOpenUndetected,
                    format!(
                        "{conn} still open {:?} past ping interval + pong timeout after it went half-open",
                        now - by
                    ),
                ));
            }
        }
        for (conn, rule, detail) in found {
            // Reported once.
            match rule {
                Rule::HalfOpenUndetected => self.half_open.remove(&conn),
                _ => self.open.remove(&conn),
            };
            self.breach(now, rule, detail);
        }
    }

    pub(super) fn check_refresh(&mut self, now: Instant, session: &Session) {
        let live = session
            .connections()
            .filter(|c| c.phase == Phase::Live)
            .count();
        self.retiring = session
            .connections()
            .filter(|c| c.retiring)
            .map(|c| c.id)
            .collect();
        // A replacement is owed from Slack's notice (or the session's own refresh) until the
        // old connection is gone.
        let replacing = !self.retiring.is_empty() || !self.warned.is_empty();
        let was_replacing = self.replacing_since;
        if replacing {
            self.replacing_since.get_or_insert(now);
        } else {
            self.replacing_since = None;
        }
        // Make before break: the connection being replaced goes only once its replacement is
        // live, so a replacement can never leave the session without one.
        if std::mem::take(&mut self.replaced_in_drain) && live == 0 {
            let detail = "a connection was closed as replaced while none was live".to_owned();
            self.breach(now, Rule::RefreshGap, detail);
        }
        let gap_begins = self.live > 0 && live == 0;
        self.live = live;
        if let (Some(since), true) = (was_replacing, gap_begins) {
            self.gap = Some((since, now));
        }
        if live > 0 || session.is_stopped() || session.is_draining() {
            self.judge_gap(now, session);
        }
    }

    /// A gap during a replacement is the session's fault unless something disturbed the
    /// replacement: a disruption shortly before the refresh began (a backoff still running)
    /// or at any time until the gap ended (the replacement never came up, and why).
    pub(super) fn judge_gap(&mut self, now: Instant, session: &Session) {
        let Some((since, began)) = self.gap.take() else {
            return;
        };
        if session.is_stopped() || session.is_draining() || !self.judge_refresh_gaps {
            return;
        }
        let excuse =
            self.backoff_max.max(self.longest_wait) + self.http_timeout + self.hello_timeout;
        let excused = self.last_disruption.is_some_and(|at| at + excuse >= since);
        if !excused {
            let detail = format!(
                "no live connection for {:?} while a replacement was under way since {since:?}",
                now - began
            );
            self.breach(began, Rule::RefreshGap, detail);
        }
    }
}
