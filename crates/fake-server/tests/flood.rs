//! Flood mode over real loopback sockets: the project's client takes a whole flood; a raw
//! WebSocket client sees `hello` first, its pings answered, the window held, the close
//! handshake. (Counts only: how fast is for the benchmarks, never a test.)

use slackline_test_support::drivers::socket_url;
use slackline_tokio::TokioRuntime;
use std::path::Path;
use std::time::Duration;

use async_tungstenite::tokio::connect_async;
use async_tungstenite::tungstenite::Message;
use futures_util::StreamExt;
use serde_json::Value;
use slackline_fake::flood::{Flood, FloodConfig, Pace};
use slackline_fake::{Script, ScriptHeader};
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
    let (mut ws, _) = connect_async(socket_url::<TokioRuntime>(&server.api_url()).await)
        .await
        .unwrap();
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

/// A client that writes its last acks, its close frame and the end of its stream at once: the
/// server reads them together and must count the acks before it sees the end (it once lost
/// them, and the latency bench of the floor client failed with 998 of 1000 acked).
#[tokio::test]
async fn acks_that_arrive_with_the_end_of_the_stream_count() {
    use async_tungstenite::tungstenite::protocol::frame::coding::{Control, Data, OpCode};
    use async_tungstenite::tungstenite::protocol::frame::FrameHeader;
    use tokio::io::AsyncWriteExt;

    let config = flood(FloodConfig::new(5).max_unacked(5).pace(Pace::Window));
    let mut server = FakeServer::start(empty_script(), config).await.unwrap();
    let url = socket_url::<TokioRuntime>(&server.api_url()).await;
    let address = url.trim_start_matches("ws://").split('/').next().unwrap();
    let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut ws, _) = async_tungstenite::tokio::client_async(url.as_str(), tcp)
        .await
        .unwrap();
    assert_eq!(next_json(&mut ws).await["type"], "hello");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(
            next_json(&mut ws).await["envelope_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Everything the client has left to say, masked as clients must, in one write.
    let masked = |out: &mut Vec<u8>, opcode: OpCode, payload: &[u8]| {
        let mask = [1, 2, 3, 4];
        let header = FrameHeader {
            opcode,
            mask: Some(mask),
            ..FrameHeader::default()
        };
        header.format(payload.len() as u64, out).unwrap();
        out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    };
    let mut last_words = Vec::new();
    for id in &ids {
        let ack = format!(r#"{{"envelope_id":"{id}"}}"#);
        masked(&mut last_words, OpCode::Data(Data::Text), ack.as_bytes());
    }
    masked(
        &mut last_words,
        OpCode::Control(Control::Close),
        &1000u16.to_be_bytes(),
    );
    let mut tcp = ws.into_inner().into_inner();
    tcp.write_all(&last_words).await.unwrap();
    tcp.shutdown().await.unwrap();
    tokio::time::timeout(PATIENCE, server.finished())
        .await
        .unwrap()
        .unwrap();
    let report = server.flood_report().unwrap();
    assert_eq!((report.acked, report.in_flight), (5, 0), "{report:?}");
    assert!(report.finished);
}

async fn next_json<S>(ws: &mut async_tungstenite::WebSocketStream<S>) -> Value
where
    S: futures_util::AsyncRead + futures_util::AsyncWrite + Unpin,
{
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
