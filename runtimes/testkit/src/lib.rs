//! # TEMPORARY test support for the slackline drivers
//!
//! A small scripted Slack ([`FakeSlack`]: Web API + WebSocket on loopback, optionally TLS), a
//! loopback CONNECT proxy ([`TestProxy`]), and the end-to-end scenarios every driver runs
//! ([`scenarios`], instantiated per driver with [`end_to_end_tests!`]).
//!
//! Everything here runs on its own tokio runtime on a background thread, and tests talk to it
//! with blocking calls bounded by [`PATIENCE`], so the same test bodies serve tokio, smol,
//! async-std and the blocking driver. The project's sans-IO `FakeSlack` gets a network
//! wrapper later and replaces this crate: keep it small and test-only.

#![allow(missing_docs, missing_debug_implementations)]

pub mod async_client;
pub mod client;
mod frames;
mod pki;
mod proxy;
pub mod scenarios;
mod server;

use std::sync::mpsc;
use std::time::Duration;

pub use client::{Behaviour, Client, Gate, Route, RtmOp, Setup, Web, WebSetup};
pub use frames::*;
pub use pki::TestPki;
pub use proxy::{Connect, TestProxy};
pub use server::{ApiRequest, FakeSlack, FromClient, Reply, ServerConn};

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

/// A small tokio runtime for the servers, on its own threads.
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
