//! How handlers run beside the drive loop: panics contained, ordered mode, back-pressure.

mod support;

use std::sync::Arc;
use std::time::Duration;

use slackline_tokio::SocketModeClient;
use support::*;
use tokio::sync::{mpsc, Semaphore};

const TOKEN: &str = "xapp-1-A1-1-secret";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn a_panicking_handler_takes_nothing_down() {
    init_tracing();
    let mut slack = FakeSlack::start().await;
    let (tx, mut seen) = mpsc::channel(4);
    let client = SocketModeClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .on_event("boom", |_, _| async { panic!("handler bug") })
        .on_envelope(move |envelope, _| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(envelope.envelope_id().into_owned()).await;
            }
        })
        .build()
        .unwrap();
    let handle = client.handle();
    let run = tokio::spawn(client.run());
    slack.request().await;
    let mut conn = slack.accept_hello().await;
    conn.send(events_api("p1", "boom")).await;
    conn.send(events_api("ok1", "message")).await;
    assert_eq!(conn.next_text().await, ack("p1"));
    assert_eq!(conn.next_text().await, ack("ok1"));
    assert_eq!(
        within("the next handler", seen.recv()).await.unwrap(),
        "ok1"
    );
    handle.shutdown().await;
    within("run to return", run).await.unwrap().unwrap();
}

#[tokio::test]
async fn ordered_mode_runs_handlers_one_at_a_time_in_arrival_order() {
    let mut slack = FakeSlack::start().await;
    let (tx, mut seen) = mpsc::channel(8);
    let client = SocketModeClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .ordered()
        .on_envelope(move |envelope, _| {
            let tx = tx.clone();
            async move {
                let id = envelope.envelope_id().into_owned();
                // Earlier envelopes take longer: concurrent handlers would finish in reverse.
                let wait = 40 - 10 * id[1..].parse::<u64>().unwrap();
                tokio::time::sleep(ms(wait)).await;
                let _ = tx.send(id).await;
            }
        })
        .build()
        .unwrap();
    let handle = client.handle();
    let run = tokio::spawn(client.run());
    slack.request().await;
    let conn = slack.accept_hello().await;
    for i in 1..=3 {
        conn.send(events_api(&format!("e{i}"), "message")).await;
    }
    let mut order = Vec::new();
    for _ in 0..3 {
        order.push(within("a handler", seen.recv()).await.unwrap());
    }
    assert_eq!(order, ["e1", "e2", "e3"]);
    handle.shutdown().await;
    within("run to return", run).await.unwrap().unwrap();
}

#[tokio::test]
async fn busy_handlers_make_the_client_stop_reading_instead_of_buffering() {
    let mut slack = FakeSlack::start().await;
    let gate = Arc::new(Semaphore::new(0));
    const N: usize = 200;
    let (tx, mut handled) = mpsc::channel(N);
    let client = SocketModeClient::builder(TOKEN)
        .api_url(&slack.api_url)
        .concurrency(1)
        .handler_queue(1)
        .on_envelope({
            let gate = gate.clone();
            move |envelope, _| {
                let (gate, tx) = (gate.clone(), tx.clone());
                async move {
                    let _ = gate.acquire().await.map(|permit| permit.forget());
                    let _ = tx.send(envelope.envelope_id().into_owned()).await;
                }
            }
        })
        .build()
        .unwrap();
    let handle = client.handle();
    let run = tokio::spawn(client.run());
    slack.request().await;
    let mut conn = slack.accept_hello().await;

    for i in 0..N {
        conn.send(events_api(&format!("e{i}"), "message")).await;
    }
    // Acks stop once the handler, its queue and the loop's one-slot backlog are full and the
    // socket buffers fill: far fewer than N arrive while the handler is blocked.
    let mut acked = 0;
    while tokio::time::timeout(ms(300), conn.next_text())
        .await
        .is_ok()
    {
        acked += 1;
    }
    assert!(
        acked < N,
        "all {acked} envelopes were read while handlers were blocked"
    );

    gate.add_permits(N);
    while acked < N {
        assert_eq!(conn.next_text().await, ack(&format!("e{acked}")));
        acked += 1;
    }
    for _ in 0..N {
        within("every envelope handled", handled.recv())
            .await
            .unwrap();
    }
    handle.shutdown().await;
    within("run to return", run).await.unwrap().unwrap();
}
