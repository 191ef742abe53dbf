use serde_json::{json, Value};
use slackline_bot_test::{BotTest, Script};
use slackline_tokio::{SocketModeBuilder, WebClient};

fn echo_bot(slack: SocketModeBuilder, web: WebClient) -> SocketModeBuilder {
    slack
        .on_event("app_mention", move |envelope, _| {
            let web = web.clone();
            async move {
                let event = envelope.payload::<Value>().unwrap()["event"].clone();
                let (channel, text) = (event["channel"].as_str().unwrap(), event["text"].as_str().unwrap());
                web.chat_post_message(channel, text).await.unwrap();
            }
        })
        .on_command("/echo", |envelope, responder| async move {
            let text = envelope.payload::<Value>().unwrap()["text"].clone();
            let _ = responder.ack_with(&json!({ "text": text })).await;
        })
}

#[test]
fn smoke() {
    let script = Script::parse(r#"
{"slackline_script":1,"name":"smoke","hello":{"approximate_connection_time":3600}}
{"after":"1s","label":"hi","envelope":{"type":"events_api","payload":{"event_id":"Ev1","event":{"type":"app_mention","channel":"C1","text":"hi"}}}}
{"after":"1s","label":"cmd","envelope":{"type":"slash_commands","payload":{"command":"/echo","text":"ping"}}}
{"after":"2h","disconnect":"link_disabled"}
"#).unwrap();
    let run = BotTest::new(script).run(|slack| echo_bot(slack.socket_mode(), slack.web_client()));
    println!("{run}");
    run.assert_ok();
}
