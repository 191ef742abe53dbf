//! `AsyncStdRuntime::local`: the client's tasks run on the thread that awaits the client.

use slackline_async_std::AsyncStdRuntime;
use slackline_test_support::drivers::local::handlers_run_on_the_thread_that_drives_the_client;

#[test]
fn a_local_client_runs_its_handlers_on_the_thread_that_awaits_it() {
    handlers_run_on_the_thread_that_drives_the_client(AsyncStdRuntime::local(), |client| {
        async_std::task::block_on(client.run())
    });
}
