//! Dropping `run()` stops the client (its loop runs on a task of its own, which must not
//! outlive the future the app holds): the socket goes away.

use std::time::Duration;

use slackline_test_support::drivers::{FromClient, ScriptedSlack};
use slackline_tokio::SocketModeClient;

#[test]
fn dropping_run_stops_the_client() {
    let slack = ScriptedSlack::start();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = SocketModeClient::builder("xapp-1-A1-1-secret")
        .api_url(slack.api_url.clone())
        .build()
        .unwrap();
    let running = runtime.spawn(client.run());
    let conn = slack.accept_hello();
    running.abort();
    // The socket ends (dropped, so no close frame) instead of living on without its owner.
    let ended = (0..50).find_map(|_| match conn.next_within(Duration::from_millis(100)) {
        Some(FromClient::Ended | FromClient::Close(_)) => Some(()),
        _ => None,
    });
    assert!(ended.is_some(), "the connection outlived run()");
}
