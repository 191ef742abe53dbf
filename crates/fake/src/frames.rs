//! The frames and bodies the fake writes, in Slack's own field order (`type` or `ok` first, as
//! python-slack-sdk's mock and slack-go's captures have them): serde writes a struct's fields
//! in the order they are declared.

use serde::Serialize;
use serde_json::{Map, Value};

fn to_json(value: &impl Serialize) -> String {
    // Serialising these plain structs into a String cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Socket Mode `hello`.
pub(crate) fn hello(
    num_connections: u32,
    host: &str,
    build_number: u64,
    approximate_connection_time: Option<u64>,
    app_id: &str,
) -> String {
    #[derive(Serialize)]
    struct Hello<'a> {
        r#type: &'static str,
        num_connections: u32,
        debug_info: DebugInfo<'a>,
        connection_info: ConnectionInfo<'a>,
    }
    #[derive(Serialize)]
    struct DebugInfo<'a> {
        host: &'a str,
        build_number: u64,
        #[serde(skip_serializing_if = "Option::is_none")]
        approximate_connection_time: Option<u64>,
    }
    #[derive(Serialize)]
    struct ConnectionInfo<'a> {
        app_id: &'a str,
    }
    to_json(&Hello {
        r#type: "hello",
        num_connections,
        debug_info: DebugInfo {
            host,
            build_number,
            approximate_connection_time,
        },
        connection_info: ConnectionInfo { app_id },
    })
}

/// Socket Mode `disconnect`.
pub(crate) fn disconnect(reason: &str, host: &str) -> String {
    #[derive(Serialize)]
    struct Disconnect<'a> {
        r#type: &'static str,
        reason: &'a str,
        debug_info: Host<'a>,
    }
    #[derive(Serialize)]
    struct Host<'a> {
        host: &'a str,
    }
    to_json(&Disconnect {
        r#type: "disconnect",
        reason,
        debug_info: Host { host },
    })
}

/// RTM `pong` for ping `reply_to`, carrying the ping's other fields back.
pub(crate) fn rtm_pong(reply_to: u64, ping: &Map<String, Value>) -> String {
    #[derive(Serialize)]
    struct Pong {
        r#type: &'static str,
        reply_to: u64,
        #[serde(flatten)]
        extra: Map<String, Value>,
    }
    let extra = ping
        .iter()
        .filter(|(name, _)| *name != "id" && *name != "type")
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    to_json(&Pong {
        r#type: "pong",
        reply_to,
        extra,
    })
}

/// RTM `ok: true` reply to a posted message.
pub(crate) fn rtm_posted(reply_to: u64, ts: &str, text: &str) -> String {
    #[derive(Serialize)]
    struct Posted<'a> {
        ok: bool,
        reply_to: u64,
        ts: &'a str,
        text: &'a str,
    }
    to_json(&Posted {
        ok: true,
        reply_to,
        ts,
        text,
    })
}

/// RTM `ok: false` reply to message `reply_to`.
pub(crate) fn rtm_error(reply_to: u64, code: i64, msg: &str) -> String {
    #[derive(Serialize)]
    struct Failed<'a> {
        ok: bool,
        reply_to: u64,
        error: Error<'a>,
    }
    #[derive(Serialize)]
    struct Error<'a> {
        code: i64,
        msg: &'a str,
    }
    to_json(&Failed {
        ok: false,
        reply_to,
        error: Error { code, msg },
    })
}

/// The RTM `message` event Slack echoes for a posted message.
pub(crate) fn rtm_message(channel: &str, user: &str, text: &str, ts: &str, team: &str) -> String {
    #[derive(Serialize)]
    struct Message<'a> {
        r#type: &'static str,
        channel: &'a str,
        user: &'a str,
        text: &'a str,
        ts: &'a str,
        team: &'a str,
    }
    to_json(&Message {
        r#type: "message",
        channel,
        user,
        text,
        ts,
        team,
    })
}

/// A Web API `ok: false` body.
pub(crate) fn api_error(error: &str) -> String {
    #[derive(Serialize)]
    struct Failed<'a> {
        ok: bool,
        error: &'a str,
    }
    to_json(&Failed { ok: false, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_keep_slacks_order_and_escape() {
        assert_eq!(
            hello(2, "h", 7, Some(30), "A1"),
            r#"{"type":"hello","num_connections":2,"debug_info":{"host":"h","build_number":7,"approximate_connection_time":30},"connection_info":{"app_id":"A1"}}"#
        );
        assert_eq!(
            disconnect("warning", "h"),
            r#"{"type":"disconnect","reason":"warning","debug_info":{"host":"h"}}"#
        );
        let ping: Map<String, Value> =
            serde_json::from_str(r#"{"id":4,"type":"ping","z":1,"a":"x"}"#).unwrap();
        assert_eq!(
            rtm_pong(4, &ping),
            r#"{"type":"pong","reply_to":4,"a":"x","z":1}"#
        );
        assert_eq!(
            rtm_error(3, 2, "a \"b\""),
            r#"{"ok":false,"reply_to":3,"error":{"code":2,"msg":"a \"b\""}}"#
        );
        assert_eq!(api_error("nope"), r#"{"ok":false,"error":"nope"}"#);
    }
}
