//! The shared end-to-end scenarios (`slackline-testkit`) on tokio, over loopback.

use std::sync::OnceLock;

use slackline_test_support::drivers::async_client::{AsyncClient, Flavor};
use slackline_tokio::{BoxFuture, TokioRuntime};

/// The clients run on a multi-threaded tokio runtime of their own; the fake Slack and the
/// testkit's servers run on threads of their own, and the test threads wait on both.
struct Tokio;

impl Flavor for Tokio {
    type Runtime = TokioRuntime;

    fn spawn(task: BoxFuture<'static, ()>) {
        static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
        RUNTIME
            .get_or_init(|| {
                tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
            })
            .spawn(task);
    }
}

slackline_test_support::end_to_end_tests!(AsyncClient<Tokio>);
