//! Flood mode over real loopback sockets: the project's client takes a whole flood; a raw
//! WebSocket client sees `hello` first, its pings answered, the window held, the close
//! handshake. (Counts only: how fast is for the benchmarks, never a test.)

use std::path::Path;
use std::time::Duration;

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use serde_json::Value;
use slackline::fake::flood::{Flood, FloodConfig, Pace};
use slackline::fake::{Script, ScriptHeader};
use slackline_fake_server::{FakeServer, ServerConfig};
use slackline_tokio::SocketModeClient;

const PATIENCE: Duration = Duration::from_secs(20);

fn recorded() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/traffic/socket-mode");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

fn flood(config: FloodConfig) -> ServerConfig {
    ServerConfig::default().flood(Flood::new(config, recorded()).unwrap())
}

/// No scripted envelopes: the flood is the whole show.
fn empty_script() -> Script {
    Script::new(ScriptHeader::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tokio_client_acks_a_whole_flood() {
    let config = flood(FloodConfig::new(3000).max_unacked(100).slices(3));
    let mut server = FakeServer::start(empty_script(), config).await.unwrap();
    let client = SocketModeClient::builder("xapp-1-A1-1-secret")
        .api_url(server.api_url())
        .on_envelope(|_, _| async {})
        .build()
        .unwrap();
    let handle = client.handle();
    let running = tokio::spawn(client.run());
    tokio::time::timeout(PATIENCE, server.finished())
        .await
        .unwrap()
        .unwrap();
    handle.shutdown().await;
    let _ = tokio::time::timeout(PATIENCE, running).await;
    let report = server.flood_report().unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(
        (report.sent, report.acked, report.in_flight),
        (3000, 3000, 0)
    );
    assert_eq!((report.stale_acks, report.foreign_acks), (0, 0));
    assert_eq!(report.templates, 26);
    assert_eq!(report.slices.len(), 3);
    assert!(report.latency_us.p50 > 0.0 && report.latency_us.max >= report.latency_us.p99);
    let _ = server.shutdown().await.unwrap();
}

#[tokio::test]
async fn a_raw_client_gets_hello_first_then_a_window_and_pongs() {
    let config = flood(FloodConfig::new(50).max_unacked(5).pace(Pace::Window));
    let mut server = FakeServer::start(empty_script(), config).await.unwrap();
    let web = slackline_tokio::WebClient::builder("xapp-1-A1-1-secret")
        .api_url(server.api_url())
        .build()
        .unwrap();
    let answer = web.call("apps.connections.open", &[]).await.unwrap();
    let body: Value = serde_json::from_slice(answer.body()).unwrap();
    let (mut ws, _) = connect_async(body["url"].as_str().unwrap()).await.unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "hello");
    let mut window = Vec::new();
    for _ in 0..5 {
        window.push(next_json(&mut ws).await);
    }
    assert!(window.iter().all(|e| e["envelope_id"].is_string()));
    // Nothing more until an ack; a ping is answered meanwhile.
    ws.send(Message::Ping(b"still there?".to_vec().into()))
        .await
        .unwrap();
    let pong = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(pong, Some(Ok(Message::Pong(p))) if &p[..] == b"still there?"));
    // Ack everything as it comes (the first five, then the rest).
    let mut pending: Vec<String> = window
        .iter()
        .map(|e| e["envelope_id"].as_str().unwrap().to_owned())
        .collect();
    let mut acked = 0;
    while acked < 50 {
        for id in pending.drain(..) {
            let ack = format!(r#"{{"envelope_id":"{id}"}}"#);
            ws.send(Message::text(ack)).await.unwrap();
            acked += 1;
        }
        if acked == 50 {
            break;
        }
        let envelope = next_json(&mut ws).await;
        pending.push(envelope["envelope_id"].as_str().unwrap().to_owned());
    }
    tokio::time::timeout(PATIENCE, server.finished())
        .await
        .unwrap()
        .unwrap();
    let report = server.flood_report().unwrap();
    assert!(report.finished, "{report:?}");
    assert_eq!(report.acked, 50);
    // The close handshake: the server answers the client's close.
    ws.close(None).await.unwrap();
    let end = tokio::time::timeout(PATIENCE, ws.next()).await.unwrap();
    assert!(matches!(end, None | Some(Ok(Message::Close(_)))), "{end:?}");
    let verdict = server.shutdown().await.unwrap();
    assert_eq!(verdict.connections.closed_by_client, 1);
}

async fn next_json(
    ws: &mut async_tungstenite::WebSocketStream<async_tungstenite::tokio::ConnectStream>,
) -> Value {
    match tokio::time::timeout(PATIENCE, ws.next()).await.unwrap() {
        Some(Ok(Message::Text(text))) => serde_json::from_str(&text).unwrap(),
        other => panic!("unexpected {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_thread_reports_the_flood_and_its_cpu_time() {
    let config = flood(FloodConfig::new(200).pace(Pace::Rate(2000)));
    let server = FakeServer::spawn_thread(empty_script(), config).unwrap();
    let client = SocketModeClient::builder("xapp-1-A1-1-secret")
        .api_url(server.api_url())
        .on_envelope(|_, _| async {})
        .build()
        .unwrap();
    let handle = client.handle();
    let running = tokio::spawn(client.run());
    let report = tokio::task::spawn_blocking(move || server.join_finished(PATIENCE))
        .await
        .unwrap()
        .unwrap();
    handle.shutdown().await;
    let _ = tokio::time::timeout(PATIENCE, running).await;
    let flood = report.flood.expect("a flood report");
    assert!(flood.finished, "{flood:?}");
    assert_eq!(flood.pace, "2000/s");
    // 200 envelopes at 2000/s take about 0.1 s; the bound only catches an unpaced flood.
    assert!(flood.elapsed_s > 0.05, "{}", flood.elapsed_s);
    assert!(report.cpu_time.is_some());
}
