//! The shared end-to-end scenarios (`slackline-testkit`) on smol, over loopback.

use slackline_smol::{BoxFuture, SmolRuntime};
use slackline_test_support::drivers::async_client::{AsyncClient, Flavor};

/// The clients run on smol's global executor; the fake Slack and the testkit's servers run on
/// threads of their own, and the test threads wait on both.
struct Smol;

impl Flavor for Smol {
    type Runtime = SmolRuntime;

    fn spawn(task: BoxFuture<'static, ()>) {
        smol::spawn(task).detach();
    }
}

slackline_test_support::end_to_end_tests!(AsyncClient<Smol>);
