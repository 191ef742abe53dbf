//! slackline-redis against a real `redis-server` (started by each test on a free loopback
//! port) and the fake Slack in process: several clients as the processes of one app, shared
//! dedupe on every runtime, Redis going away and coming back, the hand-off and the worker.
//! (The same with real processes, SIGKILL and restarts: `crates/cli/tests/fleet.rs`.)

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use slackline_client::{Claim, ClaimKey, ClaimStore, SharedDedupe};
use slackline_fake::Script;
use slackline_fake_server::{FakeServer, ServerConfig};
use slackline_redis::{hand_off, BlockingRedisDedupe, RedisDedupe, StreamSink, Worker};
use slackline_test_support::redis::RedisServer;
use slackline_test_support::APP_TOKEN;

/// Longest any wait in these tests.
const PATIENCE: Duration = Duration::from_secs(20);

/// `n` events on `clients` connections (waiting for all), each redelivered with a new
/// `envelope_id` on a connection that has not carried it (if there are several), then
/// `link_disabled`.
fn spread_and_redelivered(n: usize, clients: usize) -> Script {
    let mut text = format!(
        "{{\"slackline_script\":1,\"name\":\"fleet\",\"redeliver\":false}}\n\
         {{\"wait\":\"connections\",\"count\":{clients}}}\n"
    );
    for i in 0..n {
        text.push_str(&format!(
            "{{\"envelope\":{{\"type\":\"events_api\",\"payload\":{{\"event_id\":\"Ev{i:04}\",\"event\":{{\"type\":\"app_mention\"}}}}}},\"label\":\"e{i}\"}}\n"
        ));
    }
    for i in 0..n {
        text.push_str(&format!(
            "{{\"redeliver\":\"e{i}\",\"elsewhere\":{},\"new_envelope_id\":true}}\n",
            clients > 1
        ));
    }
    text.push_str("{\"wait\":\"acks\"}\n{\"disconnect\":\"link_disabled\"}\n");
    Script::parse(&text).unwrap()
}

type Seen = Arc<Mutex<BTreeMap<String, usize>>>;

fn record(seen: &Seen, envelope: &slackline::Envelope) {
    let id = envelope.event_id().unwrap_or_default().into_owned();
    *seen.lock().unwrap().entry(id).or_default() += 1;
}

fn assert_each_once(seen: &Seen, n: usize) {
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), n, "every event handled: {seen:?}");
    let twice: Vec<_> = seen.iter().filter(|(_, &c)| c != 1).collect();
    assert!(twice.is_empty(), "handled more than once: {twice:?}");
}

#[test]
fn three_clients_handle_each_event_once_though_redelivered_on_another_one() {
    const N: usize = 30;
    let redis = RedisServer::start();
    let server =
        FakeServer::spawn_thread(spread_and_redelivered(N, 3), ServerConfig::default()).unwrap();
    let seen: Seen = Arc::default();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dedupes: Vec<SharedDedupe> = (0..3)
        .map(|_| RedisDedupe::new(&redis.url()).unwrap().into_shared())
        .collect();
    runtime.block_on(async {
        let clients = dedupes.iter().map(|dedupe| {
            let seen = Arc::clone(&seen);
            let client = slackline_tokio::SocketModeClient::builder(APP_TOKEN)
                .api_url(server.api_url())
                .shared_dedupe(dedupe.clone())
                .on_event("app_mention", move |envelope, _| {
                    record(&seen, &envelope);
                    async {}
                })
                .build()
                .unwrap();
            tokio::time::timeout(PATIENCE, client.run())
        });
        for ended in futures_util::future::join_all(clients).await {
            assert!(ended.expect("ends by link_disabled").is_err());
        }
    });
    let report = server.join_finished(PATIENCE).unwrap();
    assert!(report.verdict.ok, "{}", report.verdict.summary_text());
    assert_each_once(&seen, N);
    // Every redelivery reached another client and lost its claim there.
    let lost: u64 = dedupes.iter().map(|d| d.stats().lost).sum();
    let won: u64 = dedupes.iter().map(|d| d.stats().won).sum();
    assert_eq!((won, lost), (N as u64, N as u64));
    assert_eq!(dedupes.iter().map(|d| d.stats().fallbacks).sum::<u64>(), 0);
}

#[test]
fn blocking_clients_share_dedupe_through_the_synchronous_api() {
    const N: usize = 12;
    let redis = RedisServer::start();
    let server =
        FakeServer::spawn_thread(spread_and_redelivered(N, 2), ServerConfig::default()).unwrap();
    let seen: Seen = Arc::default();
    let dedupes: Vec<SharedDedupe> = (0..2)
        .map(|_| {
            BlockingRedisDedupe::new(&redis.url())
                .unwrap()
                .into_shared()
        })
        .collect();
    let threads: Vec<_> = dedupes
        .iter()
        .map(|dedupe| {
            let seen = Arc::clone(&seen);
            let client = slackline_blocking::SocketModeClient::builder(APP_TOKEN)
                .api_url(server.api_url())
                .shared_dedupe(dedupe.clone())
                .on_event("app_mention", move |envelope, _| record(&seen, &envelope))
                .build()
                .unwrap();
            std::thread::spawn(move || client.run())
        })
        .collect();
    let report = server.join_finished(PATIENCE).unwrap();
    for thread in threads {
        assert!(thread.join().unwrap().is_err(), "ends by link_disabled");
    }
    assert!(report.verdict.ok, "{}", report.verdict.summary_text());
    assert_each_once(&seen, N);
    assert_eq!(
        dedupes.iter().map(|d| d.stats().lost).sum::<u64>(),
        N as u64
    );
}

fn key(event: &str) -> ClaimKey {
    let frame =
        format!(r#"{{"type":"events_api","envelope_id":"x","payload":{{"event_id":"{event}"}}}}"#);
    ClaimKey::of(
        &slackline::Envelope::from_frame(
            frame,
            slackline::ConnId::from_raw(1),
            slackline::Instant::ZERO,
        )
        .unwrap(),
    )
}

/// Won, then lost, on whichever executor polls the claims.
async fn won_then_lost(url: String) {
    let store = RedisDedupe::new(&url).unwrap();
    store.connect().await.unwrap();
    let window = Duration::from_secs(60);
    assert_eq!(store.claim(key("EvR"), window).await, Claim::Won);
    assert_eq!(store.claim(key("EvR"), window).await, Claim::Lost);
}

#[test]
fn claims_work_on_smol_and_on_async_std() {
    let redis = RedisServer::start();
    smol::block_on(won_then_lost(redis.url()));
    redis.command(&["FLUSHALL"]);
    async_std::task::block_on(won_then_lost(redis.url()));
    // The key is the event id under the prefix, its expiry the window; no token anywhere.
    let keys = redis.command(&["KEYS", "*"]);
    assert!(keys.contains("slackline:dedupe:ev:EvR"), "{keys}");
    let ttl = redis.command(&["PTTL", "slackline:dedupe:ev:EvR"]);
    let ttl: u64 = ttl.trim().trim_start_matches(':').parse().unwrap();
    assert!(ttl > 50_000 && ttl <= 60_000, "{ttl}");
}

#[test]
fn redis_away_falls_back_within_the_bound_then_claims_resume() {
    let mut redis = RedisServer::start();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let bound = Duration::from_millis(300);
    runtime.block_on(async {
        let store = RedisDedupe::with_timeout(&redis.url(), bound).unwrap();
        let window = Duration::from_secs(60);
        assert_eq!(store.claim(key("Ev1"), window).await, Claim::Won);
        redis.kill();
        for i in 0..20 {
            let started = Instant::now();
            let claim = store.claim(key(&format!("Ev-down-{i}")), window).await;
            assert_eq!(claim, Claim::Unavailable);
            assert!(started.elapsed() < bound * 2, "{:?}", started.elapsed());
        }
        redis.start_again();
        // Claims resume by themselves (the next connection attempt is at most
        // RETRY_INTERVAL away); what was claimed before the restart is still held (AOF).
        let deadline = Instant::now() + PATIENCE;
        loop {
            match store.claim(key("Ev2"), window).await {
                Claim::Won => break,
                Claim::Unavailable if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(store.claim(key("Ev1"), window).await, Claim::Lost);
    });
}

#[test]
fn a_listener_hands_off_to_the_stream_and_acks_after_the_append_and_a_worker_handles_each_once() {
    const N: usize = 20;
    let redis = RedisServer::start();
    // Each event twice (a redelivery with a new envelope_id): two stream entries, one run.
    let server =
        FakeServer::spawn_thread(spread_and_redelivered(N, 1), ServerConfig::default()).unwrap();
    let url = format!("{}/events", redis.url());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let seen: Seen = Arc::default();
    runtime.block_on(async {
        let sink = StreamSink::new(&url).unwrap();
        let builder = slackline_tokio::SocketModeClient::builder(APP_TOKEN)
            .api_url(server.api_url())
            // The session's own dedupe would stop the redelivery: let it through, so the
            // stream holds duplicates for the worker to catch.
            .without_dedupe();
        let client = hand_off(
            builder,
            slackline_tokio::TokioRuntime,
            sink.clone(),
            |_, _| async {},
        )
        .build()
        .unwrap();
        let ended = tokio::time::timeout(PATIENCE, client.run()).await;
        assert!(ended.expect("ends by link_disabled").is_err());
        assert_eq!(sink.stats().appended, 2 * N as u64);

        let seen_by_worker = Arc::clone(&seen);
        let owed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let owed_seen = Arc::clone(&owed);
        let worker = Worker::builder(slackline_tokio::TokioRuntime, url.clone())
            .consumer("w1")
            .on_event("app_mention", move |envelope, responder| {
                record(&seen_by_worker, &envelope);
                // The listener acked it: the same handler type as a client's, nothing owed.
                if responder.awaits_ack() {
                    owed_seen.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                async {}
            })
            .build()
            .unwrap();
        let handle = worker.handle();
        let running = tokio::spawn(worker.run());
        let deadline = Instant::now() + PATIENCE;
        while handle.stats().handled + handle.stats().duplicates < 2 * N as u64 {
            assert!(Instant::now() < deadline, "{:?}", handle.stats());
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        handle.shutdown();
        running.await.unwrap().unwrap();
        let stats = handle.stats();
        assert_eq!((stats.handled, stats.duplicates), (N as u64, N as u64));
        assert!(!owed.load(std::sync::atomic::Ordering::SeqCst));
    });
    let report = server.join_finished(PATIENCE).unwrap();
    assert!(report.verdict.ok, "{}", report.verdict.summary_text());
    assert_each_once(&seen, N);
    // Nothing left pending in the group.
    let pending = redis.command(&["XPENDING", "events", "slackline"]);
    assert!(pending.starts_with("*4\r\n:0\r\n"), "{pending:?}");
}
