//! One benchmark client process: `bench-client KIND API_URL ENVELOPES`, with KIND one of
//! `floor`, `tokio`, `smol`, `async-std` or `blocking` (or `floor-read-ahead`, see `floor`; or
//! `tokio-routes`, `tokio-typed`, `tokio-decode`: tokio with more routes, see
//! `slackline_client::Routes`; or `listen` / `listen-quiet`: the `slackline listen` command, run
//! by this process, which reads its stdout, see `listen_client`), and API_URL the fake Slack's
//! Web API (`slackline serve DIR --flood N` prints it). Prints one JSON report line.

use slackline_bench::slackline_client::Routes;
use slackline_bench::{blocking_client, floor, listen_client, slackline_client};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [kind, url, envelopes] = args.as_slice() else {
        eprintln!("usage: bench-client floor|floor-read-ahead|tokio|smol|async-std|blocking|listen|listen-quiet API_URL ENVELOPES");
        std::process::exit(2);
    };
    let Ok(expected) = envelopes.parse::<u64>() else {
        eprintln!("ENVELOPES must be a number");
        std::process::exit(2);
    };
    // Each client on its own executor, single-threaded like the floor's (one connection).
    let report = match kind.as_str() {
        "floor" | "floor-read-ahead" => tokio_current_thread()
            .block_on(floor::run(url, expected, kind == "floor-read-ahead"))
            .map_err(|e| e.to_string()),
        "tokio" => tokio_current_thread()
            .block_on(slackline_client::run(
                "tokio",
                slackline_tokio::TokioRuntime,
                url,
                expected,
            ))
            .map_err(|e| e.to_string()),
        "tokio-routes" | "tokio-typed" | "tokio-decode" => {
            let routes = match kind.as_str() {
                "tokio-routes" => Routes::Untyped,
                "tokio-typed" => Routes::Typed,
                _ => Routes::DecodeAll,
            };
            tokio_current_thread()
                .block_on(slackline_client::run_with(
                    kind,
                    slackline_tokio::TokioRuntime,
                    url,
                    expected,
                    routes,
                ))
                .map_err(|e| e.to_string())
        }
        "smol" => {
            // The client's tasks on this thread's executor, beside the reactor (what a smol
            // user who cares about latency does): see `SmolRuntime::on`.
            let executor = std::sync::Arc::new(smol::Executor::new());
            let runtime = slackline_smol::SmolRuntime::on(executor.clone());
            smol::block_on(executor.run(slackline_client::run("smol", runtime, url, expected)))
                .map_err(|e| e.to_string())
        }
        "async-std" => async_std::task::block_on(slackline_client::run(
            "async-std",
            // Like smol: the client's tasks on the thread that waits for it (see `local`).
            slackline_async_std::AsyncStdRuntime::local(),
            url,
            expected,
        ))
        .map_err(|e| e.to_string()),
        "blocking" => blocking_client::run(url, expected).map_err(|e| e.to_string()),
        "listen" => listen_client::run(url, expected, false),
        "listen-quiet" => listen_client::run(url, expected, true),
        other => Err(format!("unknown client kind `{other}`")),
    };
    match report {
        Ok(report) => println!("{}", report.to_json()),
        Err(error) => {
            eprintln!("bench-client: {error}");
            std::process::exit(1);
        }
    }
}

fn tokio_current_thread() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}
