//! The shared end-to-end scenarios (`slackline-testkit`) on the blocking driver: the client
//! runs `run()` on a thread of its own, handlers on its pool; the fake Slack and the testkit's
//! servers run on threads of their own, and the test thread waits on both.

use std::sync::mpsc;
use std::thread::JoinHandle;

use slackline_blocking::types::web::{auth, chat, conversations, files};
use slackline_blocking::{
    ApiError, Blocking as Threads, ClientHandle, Context, Envelope, Error, Event, Events,
    HandlerStats, Responder, RtmClient, RtmError, RtmEvent, RtmHandle, Sent, SocketModeClient,
    WebClient,
};
use slackline_test_support::drivers::client::Protocol;
use slackline_test_support::drivers::{
    outcome, recv, report_line, socket_mode_routes, upload_completion, Behaviour, Client, Route,
    RtmOp, Setup, Step, StepRunner, Web, WebSetup, PATIENCE,
};

enum Built {
    SocketMode(SocketModeClient),
    Rtm(RtmClient),
}

enum Handle {
    SocketMode(ClientHandle),
    Rtm(RtmHandle),
}

struct Blocking {
    built: Option<Built>,
    handle: Handle,
    stats: HandlerStats,
    events: Option<Events>,
    run: Option<JoinHandle<Result<(), Error>>>,
}

fn envelope_handler(behaviour: Behaviour) -> impl Fn(Envelope, Responder) + Send + Sync + 'static {
    move |envelope, responder| {
        let id = envelope.envelope_id().into_owned();
        match &behaviour {
            Behaviour::Report(label, log) => drop(log.send(format!("{label} {id}"))),
            Behaviour::Hold { log, gate, ack } => {
                let _ = log.send(format!("start {id}"));
                let _ = gate.rx.recv_blocking();
                let result = match ack {
                    None => None,
                    Some(None) => Some(responder.ack()),
                    Some(Some(payload)) => Some(responder.ack_with(payload)),
                };
                let _ = log.send(match result {
                    Some(result) => format!("done {id} {result:?}"),
                    None => format!("done {id}"),
                });
            }
            Behaviour::Panic => panic!("handler bug (on purpose)"),
            Behaviour::Echo(_) | Behaviour::Steps(..) => {}
        }
    }
}

/// Typed handlers running [`Step`]s, each helper a blocking call.
struct BlockingSteps;

fn run_steps(steps: &[Step], log: &mpsc::Sender<String>, ctx: Context) -> Result<(), &'static str> {
    for step in steps {
        let line = match step {
            Step::Report(label) => report_line(label, ctx.envelope(), ctx.matches()),
            Step::Ack => format!("ack {}", outcome(&ctx.ack())),
            Step::AckWith(answer) => format!("ack_with {}", outcome(&ctx.ack_with(answer))),
            Step::Respond(message) => format!("respond {}", outcome(&ctx.respond(message))),
            Step::Say(text) => format!("say {}", outcome(&ctx.say(*text))),
            Step::Fail => return Err("failed on purpose"),
            Step::Panic => panic!("handler bug (on purpose)"),
        };
        let _ = log.send(line);
    }
    Ok(())
}

impl StepRunner<Threads> for BlockingSteps {
    type Out = Result<(), &'static str>;

    fn handler<P: Send + 'static>(
        steps: Vec<Step>,
        log: mpsc::Sender<String>,
    ) -> Box<dyn Fn(P, Context) -> Self::Out + Send + Sync> {
        Box::new(move |_payload, ctx| run_steps(&steps, &log, ctx))
    }
}

fn rtm_handler(behaviour: Behaviour) -> impl Fn(RtmEvent, RtmHandle) + Send + Sync + 'static {
    move |event, rtm| match &behaviour {
        Behaviour::Report(label, log) => drop(log.send(format!("{label} {}", event.kind()))),
        Behaviour::Echo(results) => {
            let text = event
                .payload::<serde_json::Value>()
                .ok()
                .and_then(|v| v["text"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = results.send(rtm.send_message("C1", &format!("echo: {text}")));
        }
        Behaviour::Panic => panic!("handler bug (on purpose)"),
        Behaviour::Hold { .. } | Behaviour::Steps(..) => {}
    }
}

impl Client for Blocking {
    type Web = BlockingWeb;

    fn build(mut setup: Setup) -> Result<Self, Error> {
        let routes = std::mem::take(&mut setup.routes);
        let (built, handle) = match setup.protocol {
            Protocol::SocketMode => {
                let builder = setup.apply(SocketModeClient::builder(&setup.token));
                let builder =
                    socket_mode_routes::<_, BlockingSteps, _, _>(builder, routes, envelope_handler);
                let client = builder.build()?;
                let handle = Handle::SocketMode(client.handle());
                (Built::SocketMode(client), handle)
            }
            Protocol::Rtm => {
                let mut builder = setup.apply(RtmClient::builder(&setup.token));
                for (route, behaviour) in routes {
                    let Route::Rtm(kind) = route else {
                        panic!("a Socket Mode route on an RTM client")
                    };
                    builder = builder.on_event(kind, rtm_handler(behaviour));
                }
                let client = builder.build()?;
                let handle = Handle::Rtm(client.handle());
                (Built::Rtm(client), handle)
            }
        };
        let stats = match &built {
            Built::SocketMode(client) => client.stats(),
            Built::Rtm(client) => client.stats(),
        };
        Ok(Blocking {
            built: Some(built),
            handle,
            stats,
            events: None,
            run: None,
        })
    }

    fn start(mut self) -> Self {
        let (events, run) = match self.built.take().expect("started twice") {
            Built::SocketMode(mut client) => {
                (client.events(), std::thread::spawn(move || client.run()))
            }
            Built::Rtm(mut client) => (client.events(), std::thread::spawn(move || client.run())),
        };
        self.events = Some(events);
        self.run = Some(run);
        self
    }

    fn next_event(&mut self, what: &str, wanted: &dyn Fn(&Event) -> bool) -> Event {
        let events = self.events.as_ref().expect("not started");
        let deadline = std::time::Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match events.recv_timeout(left) {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("no {what} in time (or the client ended)"),
            }
        }
    }

    fn shutdown(&self) {
        match &self.handle {
            Handle::SocketMode(handle) => handle.shutdown(),
            Handle::Rtm(rtm) => rtm.shutdown(),
        }
    }

    fn finish(self) -> Result<(), Error> {
        let run = self.run.expect("not started");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run.join());
        });
        recv(&rx, "run() to return")
            .expect("the waiting thread ended")
            .expect("run() panicked")
    }

    fn rtm(&self, op: RtmOp) -> mpsc::Receiver<Result<Option<Sent>, RtmError>> {
        let Handle::Rtm(rtm) = &self.handle else {
            panic!("RTM sends on a Socket Mode client")
        };
        let rtm = rtm.clone();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let outcome = match op {
                RtmOp::Message(channel, text) => rtm.send_message(channel, text).map(Some),
                RtmOp::Typing(channel) => rtm.typing(channel).map(|()| None),
                RtmOp::Ping => rtm.ping().map(Some),
            };
            let _ = tx.send(outcome);
        });
        rx
    }

    fn debug(&self) -> String {
        match &self.built {
            Some(Built::SocketMode(client)) => format!("{client:?}"),
            Some(Built::Rtm(client)) => format!("{client:?}"),
            None => String::new(),
        }
    }

    fn stats(&self) -> HandlerStats {
        self.stats.clone()
    }

    fn web(setup: WebSetup) -> Result<BlockingWeb, Error> {
        let mut builder = WebClient::builder(setup.token).api_url(setup.api_url);
        if let Some(tls) = setup.tls {
            builder = builder.tls(tls);
        }
        builder = match setup.proxy {
            Some(url) => builder.proxy(url),
            None => builder.without_proxy(),
        };
        if let Some(retries) = setup.rate_limit_retries {
            builder = builder.rate_limit_retries(retries, PATIENCE);
        }
        Ok(BlockingWeb(builder.build()?))
    }
}

#[derive(Clone)]
struct BlockingWeb(WebClient);

impl Web for BlockingWeb {
    fn auth_test(&self) -> Result<auth::TestResponse, ApiError> {
        self.0.auth_test()
    }

    fn chat_post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> Result<chat::MessageResponse, ApiError> {
        self.0.chat_post_message(channel, text)
    }

    fn history(
        &self,
        channel: &str,
        limit: u32,
    ) -> Vec<Result<conversations::MessagesPage, ApiError>> {
        let first = conversations::History::new(channel).limit(limit);
        self.0.paginate(first).collect()
    }

    fn upload(
        &self,
        filename: &str,
        bytes: &'static [u8],
    ) -> Result<files::CompleteUploadResponse, ApiError> {
        self.0.upload_file(filename, bytes, upload_completion)
    }
}

slackline_test_support::end_to_end_tests!(Blocking);
