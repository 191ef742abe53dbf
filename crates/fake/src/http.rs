//! The Web API side: token checks, scripted failures and stubs, the connection methods
//! (`apps.connections.open`, `rtm.connect`, `rtm.start`) and WebSocket handshakes for the URLs
//! handed out; every other method goes to the workspace ([`crate::api`]), and every call is
//! recorded.

use std::borrow::Cow;

use serde_json::{json, Value};

use super::ids::{CallId, SocketId};
use super::socket::{Socket, SocketKind};
use super::{
    ApiRequest, ArmedFailure, ConnectRejected, FakeResponse, FakeSlack, Output, PostedMessage,
    Ticket, ViolationKind, DEBUG_RECONNECTS_LIFETIME, MAX_SOCKETS, RTM_URL_LIFETIME,
};
use crate::api::args::{redacted, Args, Encoding};
use crate::api::{self, reply};
use crate::frames;
use crate::verdict::CallRecord;
use slackline::Instant;
use slackline::{redact_tokens, Token, TokenKind};

const JSON: &str = reply::JSON;

/// Which tokens a method takes (`None`: any kind).
fn needs(method: &str) -> Option<(&'static str, &'static [TokenKind])> {
    match method {
        "apps.connections.open" => Some(("an app-level token (xapp-)", &[TokenKind::App])),
        "auth.test" => None,
        "rtm.connect" | "rtm.start" => Some((
            "a bot or user token (xoxb-/xoxp-)",
            &[TokenKind::Bot, TokenKind::User],
        )),
        m if api::is_known(m) => Some((
            "a bot or user token (xoxb-/xoxp-)",
            &[TokenKind::Bot, TokenKind::User],
        )),
        _ => None,
    }
}

fn kind_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::App => "an app-level token (xapp-)",
        TokenKind::Bot => "a bot token (xoxb-)",
        TokenKind::User => "a user token (xoxp-)",
        _ => "an unrecognised token",
    }
}

fn ok_false(error: &str) -> FakeResponse {
    FakeResponse {
        status: 200,
        retry_after: None,
        content_type: JSON,
        body: frames::api_error(error),
    }
}

fn ok(body: serde_json::Value) -> FakeResponse {
    FakeResponse {
        status: 200,
        retry_after: None,
        content_type: JSON,
        body: body.to_string(),
    }
}

/// How a call was answered, for its record.
#[derive(Default)]
struct Served {
    /// By a script's `fail` or `stub`.
    stubbed: bool,
    note: Option<String>,
}

/// The `error` of an answer (and whether it failed: `ok` not true, or not a 200).
fn outcome(response: &FakeResponse) -> (bool, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Head {
        ok: Option<bool>,
        error: Option<String>,
    }
    let head = serde_json::from_str::<Head>(&response.body).ok();
    let failed = response.status != 200 || head.as_ref().is_none_or(|h| h.ok != Some(true));
    let error = head
        .and_then(|h| h.error)
        .map(|e| redact_tokens(&e).into_owned());
    (failed, error)
}

impl FakeSlack {
    pub(crate) fn on_http_request(&mut self, now: Instant, request: ApiRequest<'_>) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let method = request.method.to_owned();
        let key = self.method_key(&method);
        self.http.entry(key.clone()).or_default().calls += 1;
        if let Some(until) = self.retry_after.get(&method).copied() {
            if now < until {
                let early_ms = u64::try_from((until - now).as_millis()).unwrap_or(u64::MAX);
                self.violation(
                    now,
                    ViolationKind::IgnoredRetryAfter {
                        method: method.clone(),
                        early_ms,
                    },
                );
            }
        }
        let args = Args::parse(request.content_type, request.body);
        let mut served = Served::default();
        let response = self.answer(now, &method, request, &args, &mut served);
        let (failed, error) = outcome(&response);
        let summary = self.http.entry(key).or_default();
        summary.errors += u64::from(failed);
        summary.stubbed += u64::from(served.stubbed);
        self.calls.push(CallRecord {
            method: redact_tokens(&method).into_owned(),
            at_ms: self.elapsed_ms(now),
            encoding: args.encoding().name().to_owned(),
            args: args.record(),
            status: response.status,
            error,
            stubbed: served.stubbed,
            note: served.note,
        });
        self.outputs
            .push_back(Output::HttpResponse { call, response });
        call
    }

    pub(crate) fn on_upload(&mut self, now: Instant, target: &str, body: &[u8]) -> CallId {
        let call = CallId(self.next_call);
        self.next_call += 1;
        let summary = self.http.entry("upload".into()).or_default();
        summary.calls += 1;
        let file = api::files_receive_upload(&mut self.workspace, target, body.len());
        let response = FakeResponse {
            status: if file.is_some() { 200 } else { 404 },
            retry_after: None,
            content_type: "text/plain; charset=utf-8",
            body: match &file {
                Some(_) => format!("OK - {}", body.len()),
                None => "Not Found".to_owned(),
            },
        };
        if file.is_none() {
            summary.errors += 1;
        }
        self.calls.push(CallRecord {
            method: "upload".into(),
            at_ms: self.elapsed_ms(now),
            encoding: "none".into(),
            args: json!({ "file_id": file, "bytes": body.len() }),
            status: response.status,
            error: file.is_none().then(|| "not_found".to_owned()),
            stubbed: false,
            note: None,
        });
        self.outputs
            .push_back(Output::HttpResponse { call, response });
        call
    }

    fn answer(
        &mut self,
        now: Instant,
        method: &str,
        request: ApiRequest<'_>,
        args: &Args,
        served: &mut Served,
    ) -> FakeResponse {
        let body = String::from_utf8_lossy(request.body);
        if matches!(redact_tokens(&body), Cow::Owned(_)) {
            self.violation(
                now,
                ViolationKind::TokenInBody {
                    method: method.to_owned(),
                },
            );
        }
        let token = request
            .authorization
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .map(Token::new);
        let Some(token) = token else {
            self.violation(
                now,
                ViolationKind::MissingToken {
                    method: method.to_owned(),
                },
            );
            return ok_false("not_authed");
        };
        if let Some((expected, fits)) = needs(method) {
            if !fits.contains(&token.kind()) {
                self.violation(
                    now,
                    ViolationKind::WrongTokenKind {
                        method: method.to_owned(),
                        expected: expected.to_owned(),
                        found: kind_name(token.kind()).to_owned(),
                    },
                );
                return ok_false("not_allowed_token_type");
            }
        }
        let accepted = &self.config.accepted_tokens;
        if token.kind() == TokenKind::Other
            || (!accepted.is_empty() && !accepted.iter().any(|t| t.expose() == token.expose()))
        {
            return ok_false("invalid_auth");
        }
        let scripted = match self.take_failure(method) {
            Some(failure) => Some(failure),
            None => self.stubs.answer(method, args),
        };
        if let Some(response) = scripted {
            served.stubbed = true;
            if response.status == 429 {
                if let Some(wait) = response.retry_after {
                    self.retry_after.insert(method.to_owned(), now + wait);
                }
            }
            return response;
        }
        match method {
            "apps.connections.open" => {
                let ticket = self.issue_ticket(now, SocketKind::SocketMode);
                let app_id = &self.script.header().hello.app_id;
                let url = format!(
                    "{}/link/?ticket={ticket}&app_id={app_id}",
                    self.config.ws_base_url
                );
                ok(json!({ "ok": true, "url": url }))
            }
            "rtm.connect" | "rtm.start" => {
                let ticket = self.issue_ticket(now, SocketKind::Rtm);
                let url = format!("{}/websocket/{ticket}", self.config.ws_base_url);
                let team = &self.script.header().team;
                let mut body = json!({
                    "ok": true,
                    "url": url,
                    "team": { "id": team.team_id, "name": team.team_name, "domain": team.team_domain },
                    "self": { "id": team.bot_user_id, "name": team.bot_name },
                });
                if method == "rtm.start" {
                    let latest = self.ids.ts(self.script.header().epoch, self.start, now);
                    body["users"] =
                        json!([{ "id": team.bot_user_id, "name": team.bot_name, "is_bot": true }]);
                    body["channels"] = json!([]);
                    body["groups"] = json!([]);
                    body["ims"] = json!([]);
                    body["bots"] = json!([{ "id": team.bot_id, "name": team.bot_name }]);
                    body["latest_event_ts"] = json!(latest);
                }
                ok(body)
            }
            m if api::is_known(m) => self.web_api(now, m, token.kind(), args, served),
            _ => ok_false("unknown_method"),
        }
    }

    /// A method of the workspace: answered by its handler, posted messages recorded.
    fn web_api(
        &mut self,
        now: Instant,
        method: &str,
        kind: TokenKind,
        args: &Args,
        served: &mut Served,
    ) -> FakeResponse {
        // Slack's read methods take form arguments only: a JSON body counts as none.
        let ignored;
        let args = if api::form_only(method) && args.encoding() == Encoding::Json {
            served.note = Some(format!(
                "{method} reads form arguments only (application/x-www-form-urlencoded or the query string); like Slack, the fake ignored the JSON body"
            ));
            ignored = Args::none(Encoding::Json);
            &ignored
        } else {
            args
        };
        let caller = self.workspace.caller(kind);
        let files_base_url = self.config.files_base_url();
        let epoch = self.script.header().epoch;
        let mut cx = api::Ctx::new(
            now,
            caller,
            &mut self.ids,
            epoch,
            self.start,
            &files_base_url,
        );
        let answer = api::call(&mut self.workspace, &mut cx, method, args)
            .unwrap_or_else(|| Err(reply::ApiError::new("unknown_method")));
        if let Ok(body) = &answer {
            self.record_posted(now, method, args, body);
        }
        reply::respond(answer)
    }

    /// Keeps what a client posted: the arguments of an accepted `chat.postMessage`,
    /// `chat.postEphemeral` or `chat.scheduleMessage`.
    fn record_posted(&mut self, now: Instant, method: &str, args: &Args, body: &Value) {
        let ts = match method {
            "chat.postMessage" => body.get("ts"),
            "chat.postEphemeral" => body.get("message_ts"),
            "chat.scheduleMessage" => body.get("scheduled_message_id"),
            _ => return,
        };
        let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or_default().to_owned();
        let channel = body
            .get("channel")
            .and_then(Value::as_str)
            .map_or_else(|| args.string("channel").unwrap_or_default(), str::to_owned);
        let at_ms = self.elapsed_ms(now);
        self.posted.push(PostedMessage {
            via: method.to_owned(),
            channel: redact_tokens(&channel).into_owned(),
            text: redact_tokens(&args.string("text").unwrap_or_default()).into_owned(),
            thread_ts: args
                .string("thread_ts")
                .map(|t| redact_tokens(&t).into_owned()),
            blocks: args.json("blocks").ok().flatten().map(|b| redacted(&b)),
            user: (method == "chat.postEphemeral")
                .then(|| args.string("user"))
                .flatten()
                .map(|u| redact_tokens(&u).into_owned()),
            post_at: (method == "chat.scheduleMessage")
                .then(|| body.get("post_at").and_then(Value::as_i64))
                .flatten(),
            ts: text(ts),
            at_ms,
        });
    }

    /// The next armed failure for `endpoint`, as a response.
    fn take_failure(&mut self, endpoint: &str) -> Option<FakeResponse> {
        let i = self
            .failures
            .iter()
            .position(|f| f.step.endpoint == endpoint && f.remaining > 0)?;
        let armed = &mut self.failures[i];
        armed.remaining -= 1;
        let step = armed.step.clone();
        if armed.remaining == 0 {
            self.failures.remove(i);
        }
        let body = step.body.clone().unwrap_or_else(|| {
            let error = step.error.clone().unwrap_or_else(|| {
                if step.status == 429 {
                    "ratelimited".into()
                } else {
                    "internal_error".into()
                }
            });
            if step.status >= 500 && step.error.is_none() {
                format!(
                    "<html><body><h1>{} Service Unavailable</h1></body></html>",
                    step.status
                )
            } else {
                ok_false(&error).body
            }
        });
        let content_type = if body.starts_with('<') {
            "text/html; charset=utf-8"
        } else {
            JSON
        };
        Some(FakeResponse {
            status: step.status,
            retry_after: step.retry_after,
            content_type,
            body,
        })
    }

    pub(crate) fn arm_failure(&mut self, step: &super::script::FailStep) {
        self.failures.push(ArmedFailure {
            step: step.clone(),
            remaining: step.times,
        });
    }

    fn issue_ticket(&mut self, now: Instant, kind: SocketKind) -> String {
        let key = self.ids.uuid();
        self.tickets.push(Ticket {
            key: key.clone(),
            kind,
            issued_at: now,
            used: false,
            lifetime: None,
        });
        key
    }

    pub(crate) fn on_ws_connect(
        &mut self,
        now: Instant,
        target: &str,
    ) -> Result<SocketId, ConnectRejected> {
        let reject = |fake: &mut FakeSlack, status: u16, reason: &str| {
            fake.connections.rejected += 1;
            Err(ConnectRejected {
                status,
                reason: reason.to_owned(),
            })
        };
        if let Some(failure) = self.take_failure("websocket") {
            let status = if failure.status < 400 {
                409
            } else {
                failure.status
            };
            return reject(self, status, "scripted handshake failure");
        }
        let Some((key, debug_reconnects)) = ticket_of(target) else {
            self.violation(now, ViolationKind::UnknownUrl);
            return reject(self, 404, "not a URL this server issued");
        };
        let Some(t) = self.tickets.iter().position(|t| t.key == key) else {
            self.violation(now, ViolationKind::UnknownUrl);
            return reject(self, 404, "not a URL this server issued");
        };
        let ticket = &mut self.tickets[t];
        let url_kind = match ticket.kind {
            SocketKind::SocketMode => "Socket Mode ticket",
            SocketKind::Rtm => "RTM",
        }
        .to_owned();
        if ticket.used {
            self.violation(now, ViolationKind::ReusedUrl { url_kind });
            return reject(self, 401, "this URL was already used");
        }
        ticket.used = true;
        if ticket.kind == SocketKind::Rtm && now - ticket.issued_at > RTM_URL_LIFETIME {
            self.violation(now, ViolationKind::ExpiredUrl { url_kind });
            return reject(self, 401, "this URL has expired");
        }
        if debug_reconnects && ticket.kind == SocketKind::SocketMode {
            ticket.lifetime = Some(DEBUG_RECONNECTS_LIFETIME);
        }
        let kind = ticket.kind;
        let lifetime = ticket.lifetime;
        let id = SocketId(u32::try_from(self.sockets.len() + 1).unwrap_or(u32::MAX));
        let mut socket = Socket::new(id, kind, now, self.config.rtm_burst);
        socket.lifetime = lifetime;
        self.sockets.push(socket);
        self.connections.opened += 1;
        let open = self.sockets.iter().filter(|s| s.is_open()).count() as u64;
        self.connections.max_concurrent = self.connections.max_concurrent.max(open);
        if open > MAX_SOCKETS as u64 {
            self.violation(now, ViolationKind::TooManySockets { open });
        }
        if self.script.header().auto_hello {
            self.greet(now, self.sockets.len() - 1);
        }
        Ok(id)
    }

    /// Sends `hello` and starts the socket's clocks (lifetime, server pings).
    pub(crate) fn greet(&mut self, now: Instant, i: usize) {
        let header = self.script.header();
        let hello = &header.hello;
        let open_socket_mode = self
            .sockets
            .iter()
            .filter(|s| s.kind == SocketKind::SocketMode && s.is_open())
            .count();
        let ping = header.server_ping_interval;
        let lifetime_on = header.connection_lifetime;
        let announced = self.misbehaving.connection_time(now);
        let refresh_after_hello = self.misbehaving.refresh_after_hello(now).map(str::to_owned);
        let s = &mut self.sockets[i];
        if !s.is_open() {
            return;
        }
        let text = match s.kind {
            SocketKind::Rtm => r#"{"type":"hello"}"#.to_owned(),
            SocketKind::SocketMode => {
                let lifetime = announced
                    .or(s.lifetime.map(|d| d.as_secs()))
                    .or(hello.approximate_connection_time);
                frames::hello(
                    hello.num_connections.unwrap_or(open_socket_mode as u32),
                    &hello.host,
                    hello.build_number,
                    lifetime,
                    &hello.app_id,
                )
            }
        };
        let lifetime = s.lifetime.or(hello
            .approximate_connection_time
            .map(std::time::Duration::from_secs));
        if !s.greeted && s.kind == SocketKind::SocketMode && lifetime_on {
            if let Some(lifetime) = lifetime.filter(|l| !l.is_zero()) {
                let warning = std::time::Duration::from_secs(10).min(lifetime / 2);
                s.warn_at = Some(now + (lifetime - warning));
                s.refresh_at = Some(now + lifetime);
            }
        }
        if !s.greeted {
            s.next_ping_at = ping.map(|p| now + p);
        }
        let first = !s.greeted;
        s.greeted = true;
        let (socket, kind) = (s.id, s.kind);
        self.send_text(socket, text);
        // A server that asks for a replacement right after every hello.
        if let (true, Some(reason)) = (first, refresh_after_hello) {
            match kind {
                SocketKind::SocketMode => self.send_disconnect(now, i, &reason, None, true),
                SocketKind::Rtm => self.send_goodbye(now, i),
            }
        }
    }
}

/// The ticket in a URL the fake issued (`…/link/?ticket=T&…` or `…/websocket/T`), and whether
/// it asks for short connections (`debug_reconnects=true`).
fn ticket_of(target: &str) -> Option<(String, bool)> {
    let without_scheme = target.split_once("://").map_or(target, |(_, rest)| rest);
    let path = if target.contains("://") {
        without_scheme
            .find('/')
            .map_or("/", |i| &without_scheme[i..])
    } else {
        without_scheme
    };
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    let debug = query.split('&').any(|p| p == "debug_reconnects=true");
    if let Some(rest) = path.strip_prefix("/websocket/") {
        let key = rest.trim_end_matches('/');
        return (!key.is_empty()).then(|| (key.to_owned(), false));
    }
    if path.trim_end_matches('/') == "/link" {
        let ticket = query
            .split('&')
            .find_map(|p| p.strip_prefix("ticket="))
            .filter(|t| !t.is_empty())?;
        return Some((ticket.to_owned(), debug));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tickets_from_urls_and_paths() {
        assert_eq!(
            ticket_of("ws://127.0.0.1:9/link/?ticket=abc&app_id=A1"),
            Some(("abc".into(), false))
        );
        assert_eq!(
            ticket_of("/link/?ticket=abc&app_id=A1&debug_reconnects=true"),
            Some(("abc".into(), true))
        );
        assert_eq!(
            ticket_of("wss://h/websocket/xyz"),
            Some(("xyz".into(), false))
        );
        assert_eq!(ticket_of("/link/?app_id=A"), None);
        assert_eq!(ticket_of("/elsewhere"), None);
        assert_eq!(ticket_of(""), None);
    }
}
