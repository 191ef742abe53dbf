//! The scenario for clients whose tasks run on the thread that awaits them
//! (`SmolRuntime::on`, `AsyncStdRuntime::local()`): handlers run on that thread too.

use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use slackline_async_driver::{Error, Runtime, SocketModeClient};

use crate::drivers::against_fake::{event_step, script, Fake, END, WAIT_ACKS};

/// Two events through a client on `runtime`; `run` drives the client to its end on the calling
/// thread (another thread asks it to shut down once the fake's script is done). Both handlers
/// must have run on the calling thread.
pub fn handlers_run_on_the_thread_that_drives_the_client<R: Runtime>(
    runtime: R,
    run: impl FnOnce(SocketModeClient<R>) -> Result<(), Error>,
) {
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
    let handled_on: Arc<Mutex<Vec<(String, ThreadId)>>> = Arc::default();
    let seen = handled_on.clone();
    let client = SocketModeClient::builder_on(runtime, "xapp-1-A1-1-localsecret")
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
    let result = run(client);
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
