//! The shared end-to-end scenarios (`slackline-testkit`) on async-std, over loopback.

use slackline_async_std::{AsyncStdRuntime, BoxFuture};
use slackline_test_support::drivers::async_client::{AsyncClient, Flavor};

/// The clients run on async-std's task pool; the fake Slack and the testkit's servers run on
/// threads of their own, and the test threads wait on both.
struct AsyncStd;

impl Flavor for AsyncStd {
    type Runtime = AsyncStdRuntime;

    fn spawn(task: BoxFuture<'static, ()>) {
        drop(async_std::task::spawn(task));
    }
}

slackline_test_support::end_to_end_tests!(AsyncClient<AsyncStd>);
