//! A scripted stand-in for a driver: feeds a `Session` in virtual time, records every action,
//! and checks the session's invariants after every drain.

use std::collections::BTreeSet;
use std::time::Duration;

use slackline::{
    Action, Config, ConnId, Event, HttpRequest, HttpResponse, Instant, RequestId, Session,
};
use slackline_sim::Audit;

use crate::{APP_TOKEN, BOT_TOKEN};

pub fn socket_mode() -> Config {
    Config::socket_mode(APP_TOKEN).with_seed(42)
}

pub fn rtm() -> Config {
    Config::rtm(BOT_TOKEN).with_seed(42)
}

pub fn hello_frame(approximate_connection_time: u64) -> String {
    format!(
        r#"{{"type":"hello","num_connections":1,"debug_info":{{"host":"applink-1","build_number":1,"approximate_connection_time":{approximate_connection_time}}},"connection_info":{{"app_id":"A111"}}}}"#
    )
}

pub fn envelope(
    id: &str,
    kind: &str,
    event_id: Option<&str>,
    accepts_response_payload: bool,
) -> String {
    let payload = match event_id {
        Some(event_id) => format!(
            r#"{{"type":"event_callback","event_id":"{event_id}","event":{{"type":"app_mention","text":"hi"}}}}"#
        ),
        None => r#"{"type":"block_actions","command":"/x"}"#.to_owned(),
    };
    format!(
        r#"{{"envelope_id":"{id}","payload":{payload},"type":"{kind}","accepts_response_payload":{accepts_response_payload},"retry_attempt":0,"retry_reason":""}}"#
    )
}

pub fn ack_frame(id: &str) -> String {
    format!(r#"{{"envelope_id":"{id}"}}"#)
}

pub struct Sim {
    pub session: Session,
    pub now: Instant,
    pub log: Vec<(Instant, Action)>,
    open: BTreeSet<ConnId>,
    /// Checks every invariant of the session after every drain (slackline_sim::Audit).
    audit: Audit,
    /// Answer every client ping at once (a healthy network); off to simulate a half-open socket.
    pub auto_pong: bool,
}

impl Sim {
    pub fn new(config: Config) -> Self {
        // The test decides when the replacement may connect: gaps are its choice.
        let audit = Audit::new(&config).without_refresh_gaps();
        let session = Session::new(config, Instant::ZERO).expect("valid config");
        let mut sim = Sim {
            session,
            now: Instant::ZERO,
            log: Vec::new(),
            open: BTreeSet::new(),
            audit,
            auto_pong: true,
        };
        sim.drain();
        sim
    }

    /// Drains the session, checks invariants, returns what came out. With `auto_pong`, pings
    /// (WebSocket pings, RTM `ping` messages) are answered at once, as a healthy server would.
    pub fn drain(&mut self) -> Vec<Action> {
        let mut out = self.drain_once();
        if self.auto_pong {
            for (conn, payload) in pings(&out) {
                if self.open.contains(&conn) {
                    self.session.handle_pong(self.now, conn, &payload);
                }
            }
            for (conn, text) in texts(&out) {
                let Ok(message) = serde_json::from_str::<serde_json::Value>(&text) else {
                    continue;
                };
                if message["type"] == "ping" && self.open.contains(&conn) {
                    let pong = serde_json::json!({ "type": "pong", "reply_to": message["id"] })
                        .to_string();
                    self.session.handle_text(self.now, conn, pong);
                }
            }
            out.extend(self.drain_once());
        }
        out
    }

    fn drain_once(&mut self) -> Vec<Action> {
        let mut out = Vec::new();
        while let Some(action) = self.session.poll_action() {
            self.audit.action(self.now, &action);
            match &action {
                Action::Connect { conn, .. } => {
                    self.open.insert(*conn);
                }
                Action::Close { conn, .. } => {
                    self.open.remove(conn);
                }
                _ => {}
            }
            self.log.push((self.now, action.clone()));
            out.push(action);
        }
        self.audit.drained(self.now, &self.session);
        if let Some(breach) = self.audit.breaches().first() {
            panic!("{breach}");
        }
        out
    }

    /// Applies one input at the current time and drains.
    pub fn feed(&mut self, input: impl FnOnce(&mut Session, Instant)) -> Vec<Action> {
        input(&mut self.session, self.now);
        self.drain()
    }

    /// Moves time forward to `until`, firing every deadline on the way, in order.
    pub fn run_until(&mut self, until: Instant) -> Vec<Action> {
        let mut out = Vec::new();
        let mut guard = 0;
        while let Some(at) = self.session.poll_timeout().filter(|&at| at <= until) {
            guard += 1;
            assert!(guard < 100_000, "timer storm before {until:?}");
            self.now = self.now.max(at);
            self.session.handle_timeout(self.now);
            out.extend(self.drain());
        }
        self.now = self.now.max(until);
        out
    }

    pub fn advance(&mut self, d: Duration) -> Vec<Action> {
        self.run_until(self.now + d)
    }

    pub fn respond(&mut self, request: RequestId, status: u16, body: &str) -> Vec<Action> {
        let response = HttpResponse::new(status, body.to_owned());
        self.feed(|s, now| s.handle_http_response(now, request, response))
    }

    pub fn grant(&mut self, request: RequestId, n: u32) -> Vec<Action> {
        self.respond(
            request,
            200,
            &format!(r#"{{"ok":true,"url":"wss://wss.test/link/?ticket=t{n}&app_id=A111"}}"#),
        )
    }

    pub fn text(&mut self, conn: ConnId, frame: &str) -> Vec<Action> {
        let frame = frame.to_owned();
        self.feed(|s, now| s.handle_text(now, conn, frame))
    }

    /// The peer (or network) closed `conn`.
    pub fn peer_closed(&mut self, conn: ConnId) -> Vec<Action> {
        self.open.remove(&conn);
        self.feed(|s, now| s.handle_closed(now, conn, Some(1006), "reset"))
    }

    pub fn connect_failed(&mut self, conn: ConnId) -> Vec<Action> {
        self.open.remove(&conn);
        self.feed(|s, now| s.handle_connect_failed(now, conn, "refused"))
    }

    /// Grants the pending URL request, opens the socket and says hello.
    pub fn open_connection(&mut self, pending: &[Action]) -> (ConnId, Vec<Action>) {
        let request = http_requests(pending).last().expect("a URL request").id();
        let granted = self.grant(request, request.get() as u32);
        let conn = connects(&granted).last().copied().expect("a connect");
        self.feed(|s, now| s.handle_connected(now, conn));
        let after_hello = self.text(conn, &hello_frame(18060));
        (conn, [granted, after_hello].concat())
    }

    /// Starts a session and brings its first connection up.
    pub fn live(config: Config) -> (Sim, ConnId) {
        let mut sim = Sim::new(config);
        let first = sim.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>();
        let (conn, _) = sim.open_connection(&first);
        (sim, conn)
    }

    pub fn open_sockets(&self) -> usize {
        self.open.len()
    }

    /// Connections the driver has open (connected or connecting), oldest first.
    pub fn open_conns(&self) -> Vec<ConnId> {
        self.open.iter().copied().collect()
    }

    pub fn is_open(&self, conn: ConnId) -> bool {
        self.open.contains(&conn)
    }

    pub fn all_events(&self) -> Vec<Event> {
        events(&self.log.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>())
    }
}

pub fn http_requests(actions: &[Action]) -> Vec<HttpRequest> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Http(r) = a {
                Some(r.clone())
            } else {
                None
            }
        })
        .collect()
}

pub fn connects(actions: &[Action]) -> Vec<ConnId> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Connect { conn, .. } = a {
                Some(*conn)
            } else {
                None
            }
        })
        .collect()
}

pub fn texts(actions: &[Action]) -> Vec<(ConnId, String)> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::SendText { conn, text } = a {
                Some((*conn, text.clone()))
            } else {
                None
            }
        })
        .collect()
}

pub fn closes(actions: &[Action]) -> Vec<(ConnId, u16)> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Close { conn, code, .. } = a {
                Some((*conn, *code))
            } else {
                None
            }
        })
        .collect()
}

pub fn pings(actions: &[Action]) -> Vec<(ConnId, [u8; 8])> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::SendPing { conn, payload } = a {
                Some((*conn, *payload))
            } else {
                None
            }
        })
        .collect()
}

pub fn events(actions: &[Action]) -> Vec<Event> {
    actions
        .iter()
        .filter_map(|a| {
            if let Action::Dispatch(e) = a {
                Some(e.clone())
            } else {
                None
            }
        })
        .collect()
}
