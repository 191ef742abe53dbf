//! `AsyncStdRuntime::local`: the client's tasks run on the thread that awaits the client.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use slackline_async_std::{AsyncStdRuntime, SocketModeClient};
use slackline_testkit::against_fake::{event_step, script, Fake, END, WAIT_ACKS};

#[test]
fn a_local_client_runs_its_handlers_on_the_thread_that_awaits_it() {
    let fake = Fake::start(&script(
        "local async-std",
        "",
        &[
            &event_step("first", "app_mention"),
            &event_step("second", "app_mention"),
            WAIT_ACKS,
            END,
        ],
    ));
    let handled_on: Arc<Mutex<Vec<(String, ThreadId)>>> = Arc::default();
    let seen = handled_on.clone();
    let client = SocketModeClient::builder_on(AsyncStdRuntime::local(), "xapp-1-A1-1-localsecret")
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
    let result = async_std::task::block_on(client.run());
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
