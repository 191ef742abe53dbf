//! `SmolRuntime::on`: the client's tasks run on an executor the application drives itself.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use slackline_smol::{SmolRuntime, SocketModeClient};
use slackline_testkit::against_fake::{event_step, script, Fake, END, WAIT_ACKS};

#[test]
fn a_client_on_a_local_executor_runs_its_handlers_on_the_thread_that_drives_it() {
    let fake = Fake::start(&script(
        "local executor",
        "",
        &[
            &event_step("first", "app_mention"),
            &event_step("second", "app_mention"),
            WAIT_ACKS,
            END,
        ],
    ));
    let executor = Arc::new(smol::Executor::new());
    let handled_on: Arc<Mutex<Vec<(String, ThreadId)>>> = Arc::default();
    let seen = handled_on.clone();
    let client =
        SocketModeClient::builder_on(SmolRuntime::on(executor.clone()), "xapp-1-A1-1-localsecret")
            .api_url(fake.api_url())
            .on_event("app_mention", move |envelope, _| {
                let id = envelope.envelope_id().into_owned();
                seen.lock().unwrap().push((id, std::thread::current().id()));
                async {}
            })
            .build()
            .unwrap();
    let handle = client.handle();

    let stopper = std::thread::spawn(move || {
        fake.wait_finished();
        assert!(handle.try_shutdown(), "the shutdown is queued");
        fake
    });
    let result = smol::block_on(executor.run(client.run()));
    let fake = stopper.join().unwrap();

    assert!(result.is_ok(), "{result:?}");
    let here = std::thread::current().id();
    let handled = handled_on.lock().unwrap().clone();
    assert_eq!(
        handled,
        [("first".to_owned(), here), ("second".to_owned(), here)]
    );
    let verdict = fake.stop();
    assert!(verdict.ok, "{}", verdict.summary_text());
    assert_eq!((verdict.summary.delivered, verdict.summary.acked), (2, 2));
}
