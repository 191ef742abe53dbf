//! # Test support for the slackline drivers
//!
//! The end-to-end scenarios every driver runs, written once against a small [`Client`] trait
//! (each driver implements it once, see [`async_client`] for the async ones) and instantiated
//! per driver with [`end_to_end_tests!`]:
//!
//! - [`against_fake`]: the protocol scenarios (hello, routing and acks, refresh, half-open
//!   servers, rate limits, `link_disabled`, shutdown, slow handlers, RTM) against the project's
//!   fake Slack, `slackline-fake-server`, which plays a script and reports a verdict.
//! - [`local`]: clients whose tasks run on the thread that drives them.
//! - [`scenarios`]: what the fake cannot serve, against the pieces kept here beside it: a
//!   scripted Slack ([`ScriptedSlack`]) for TLS with a test certificate ([`TestPki`]), exact Web
//!   API requests, URLs the fake never hands out and frame-by-frame back-pressure probes; and a
//!   loopback CONNECT proxy ([`TestProxy`]), since the proxy sees what no Slack server can.
//!
//! The servers run on runtimes of their own on background threads, and tests talk to them
//! with blocking calls bounded by [`PATIENCE`], so the same test bodies serve tokio, smol,
//! async-std and the blocking driver. Not published: test-only.

#![allow(missing_docs, missing_debug_implementations)]

pub mod against_fake;
pub mod async_client;
pub mod client;
mod frames;
pub mod local;
mod pki;
mod proxy;
pub mod scenarios;
mod server;

use std::sync::mpsc;
use std::time::Duration;

pub use against_fake::Fake;
pub use client::{
    outcome, report_line, socket_mode_routes, upload_completion, Behaviour, Client, Gate, Route,
    RtmOp, Setup, Step, StepRunner, Typed, Web, WebSetup,
};
pub use frames::*;
pub use pki::TestPki;
pub use proxy::{Connect, TestProxy};
pub use server::{ApiRequest, FromClient, Reply, ScriptedSlack, ServerConn};

/// Every wait in the tests is bounded by this: a hang fails the test instead of blocking CI.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// The next item from `rx`, within [`PATIENCE`]; `None` if the sender is gone.
pub fn recv<T>(rx: &mpsc::Receiver<T>, what: &str) -> Option<T> {
    match rx.recv_timeout(PATIENCE) {
        Ok(item) => Some(item),
        Err(mpsc::RecvTimeoutError::Disconnected) => None,
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("timed out waiting for {what}"),
    }
}

/// A small tokio runtime for the scripted Slack and the proxy, on its own threads.
fn background() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("testkit")
        .enable_all()
        .build()
        .expect("a tokio runtime for the test servers")
}

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

pub fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A Socket Mode WebSocket URL from a fake Slack's `apps.connections.open`, for a raw client.
pub async fn socket_url<R: slackline_async_driver::Runtime + Default>(api_url: &str) -> String {
    let web = slackline_async_driver::WebClient::<R>::builder(crate::APP_TOKEN)
        .api_url(api_url)
        .build()
        .unwrap();
    let answer = web.call("apps.connections.open", &[]).await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(answer.body()).unwrap();
    body["url"].as_str().unwrap().to_owned()
}
