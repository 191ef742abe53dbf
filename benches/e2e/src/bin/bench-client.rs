//! One benchmark client process: `bench-client KIND API_URL ENVELOPES`, with KIND one of
//! `floor` (API_URL is then the WebSocket URL itself) or `tokio`. Prints one JSON report line.

use slackline_bench::{floor, slackline_client};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, url, envelopes] = args.as_slice() else {
        eprintln!("usage: bench-client floor|tokio URL ENVELOPES");
        std::process::exit(2);
    };
    let Ok(expected) = envelopes.parse::<u64>() else {
        eprintln!("ENVELOPES must be a number");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let report = runtime.block_on(async {
        match kind.as_str() {
            "floor" => floor::run(url, expected).await.map_err(|e| e.to_string()),
            "tokio" => slackline_client::run("tokio", slackline_tokio::TokioRuntime, url, expected)
                .await
                .map_err(|e| e.to_string()),
            other => Err(format!("unknown client kind `{other}`")),
        }
    });
    match report {
        Ok(report) => println!("{}", report.to_json()),
        Err(error) => {
            eprintln!("bench-client: {error}");
            std::process::exit(1);
        }
    }
}
