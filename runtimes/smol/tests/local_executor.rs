//! `SmolRuntime::on`: the client's tasks run on an executor the application drives itself.

use std::sync::Arc;

use slackline_smol::SmolRuntime;
use slackline_test_support::drivers::local::handlers_run_on_the_thread_that_drives_the_client;

#[test]
fn a_client_on_a_local_executor_runs_its_handlers_on_the_thread_that_drives_it() {
    let executor = Arc::new(smol::Executor::new());
    handlers_run_on_the_thread_that_drives_the_client(
        SmolRuntime::on(executor.clone()),
        |client| smol::block_on(executor.run(client.run())),
    );
}
