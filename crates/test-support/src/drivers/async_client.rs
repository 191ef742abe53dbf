//! [`Client`] for the async drivers, once for every runtime: a runtime crate's tests only say
//! how to run a task in the background ([`Flavor`]).

use std::future::Future;
use std::sync::mpsc;

use futures_util::StreamExt;
use slackline::{ApiError, Event, RtmEvent};
use slackline_async_driver::types::web::{auth, chat, conversations, files};
use slackline_async_driver::{
    AsyncKind, BoxFuture, ClientHandle, Context, Envelope, Error, HandlerStats, Responder,
    RtmBuilder, RtmClient, RtmError, RtmHandle, Runtime, Sent, SocketModeBuilder, SocketModeClient,
    WebClient,
};

use crate::drivers::client::{
    outcome, report_line, socket_mode_routes, upload_completion, Behaviour, Client, Protocol,
    Route, RtmOp, Setup, Step, StepRunner, Web, WebSetup,
};
use crate::drivers::{recv, PATIENCE};

/// An async runtime as the tests need it.
pub trait Flavor: Send + Sync + 'static {
    type Runtime: Runtime + Default;
    /// Runs `task` in the background, on this runtime, off the calling thread.
    fn spawn(task: BoxFuture<'static, ()>);
}

/// Runs `future` in the background and waits for its output (bounded).
fn block_on<F: Flavor, T: Send + 'static>(
    what: &str,
    future: impl Future<Output = T> + Send + 'static,
) -> T {
    let (tx, rx) = mpsc::channel();
    F::spawn(Box::pin(async move {
        let _ = tx.send(future.await);
    }));
    recv(&rx, what).unwrap_or_else(|| panic!("{what}: the task was dropped"))
}

enum Built<R: Runtime> {
    SocketMode(SocketModeClient<R>),
    Rtm(RtmClient<R>),
}

enum Handle {
    SocketMode(ClientHandle),
    Rtm(RtmHandle),
}

pub struct AsyncClient<F: Flavor> {
    built: Option<Built<F::Runtime>>,
    handle: Handle,
    stats: HandlerStats,
    events: mpsc::Receiver<Event>,
    done: Option<mpsc::Receiver<Result<(), Error>>>,
}

fn envelope_handler(
    behaviour: Behaviour,
) -> impl Fn(Envelope, Responder) -> BoxFuture<'static, ()> + Send + Sync + 'static {
    move |envelope, responder| {
        let behaviour = behaviour.clone();
        let id = envelope.envelope_id().into_owned();
        Box::pin(async move {
            match behaviour {
                Behaviour::Report(label, log) => drop(log.send(format!("{label} {id}"))),
                Behaviour::Hold { log, gate, ack } => {
                    let _ = log.send(format!("start {id}"));
                    let _ = gate.rx.recv().await;
                    let result = match ack {
                        None => None,
                        Some(None) => Some(responder.ack().await),
                        Some(Some(payload)) => Some(responder.ack_with(&payload).await),
                    };
                    let _ = log.send(match result {
                        Some(result) => format!("done {id} {result:?}"),
                        None => format!("done {id}"),
                    });
                }
                Behaviour::Panic => panic!("handler bug (on purpose)"),
                Behaviour::Echo(_) | Behaviour::Steps(..) => {}
            }
        })
    }
}

/// Typed handlers running [`Step`]s, each helper awaited.
pub struct AsyncSteps;

async fn run_steps<R: Runtime>(
    steps: Vec<Step>,
    log: mpsc::Sender<String>,
    ctx: Context<R>,
) -> Result<(), &'static str> {
    for step in steps {
        let line = match step {
            Step::Report(label) => report_line(label, ctx.envelope(), ctx.matches()),
            Step::Ack => format!("ack {}", outcome(&ctx.ack().await)),
            Step::AckWith(answer) => format!("ack_with {}", outcome(&ctx.ack_with(&answer).await)),
            Step::Respond(message) => format!("respond {}", outcome(&ctx.respond(&message).await)),
            Step::Say(text) => format!("say {}", outcome(&ctx.say(text).await)),
            Step::Fail => return Err("failed on purpose"),
            Step::Panic => panic!("handler bug (on purpose)"),
        };
        let _ = log.send(line);
    }
    Ok(())
}

impl<R: Runtime> StepRunner<AsyncKind<R>> for AsyncSteps {
    type Out = BoxFuture<'static, Result<(), &'static str>>;

    fn handler<P: Send + 'static>(
        steps: Vec<Step>,
        log: mpsc::Sender<String>,
    ) -> Box<dyn Fn(P, Context<R>) -> Self::Out + Send + Sync> {
        Box::new(move |_payload, ctx| Box::pin(run_steps(steps.clone(), log.clone(), ctx)))
    }
}

fn rtm_handler(
    behaviour: Behaviour,
) -> impl Fn(RtmEvent, RtmHandle) -> BoxFuture<'static, ()> + Send + Sync + 'static {
    move |event, rtm| {
        let behaviour = behaviour.clone();
        Box::pin(async move {
            match behaviour {
                Behaviour::Report(label, log) => {
                    drop(log.send(format!("{label} {}", event.kind())))
                }
                Behaviour::Echo(results) => {
                    let text = event
                        .payload::<serde_json::Value>()
                        .ok()
                        .and_then(|v| v["text"].as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let _ = results.send(rtm.send_message("C1", &format!("echo: {text}")).await);
                }
                Behaviour::Panic => panic!("handler bug (on purpose)"),
                Behaviour::Hold { .. } | Behaviour::Steps(..) => {}
            }
        })
    }
}

impl<F: Flavor> Client for AsyncClient<F> {
    type Web = AsyncWeb<F>;

    fn build(mut setup: Setup) -> Result<Self, Error> {
        let routes = std::mem::take(&mut setup.routes);
        let (built, handle) = match setup.protocol {
            Protocol::SocketMode => {
                let builder: SocketModeBuilder<F::Runtime> =
                    setup.apply(SocketModeClient::builder(&setup.token));
                let builder =
                    socket_mode_routes::<_, AsyncSteps, _, _>(builder, routes, envelope_handler);
                let client = builder.build()?;
                let handle = Handle::SocketMode(client.handle());
                (Built::SocketMode(client), handle)
            }
            Protocol::Rtm => {
                let mut builder: RtmBuilder<F::Runtime> =
                    setup.apply(RtmClient::builder(&setup.token));
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
        Ok(AsyncClient {
            built: Some(built),
            handle,
            stats,
            events: mpsc::channel().1,
            done: None,
        })
    }

    fn start(mut self) -> Self {
        let (events_tx, events) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let (mut stream, run): (_, BoxFuture<'static, Result<(), Error>>) =
            match self.built.take().expect("started twice") {
                Built::SocketMode(mut client) => (client.events(), Box::pin(client.run())),
                Built::Rtm(mut client) => (client.events(), Box::pin(client.run())),
            };
        F::spawn(Box::pin(async move {
            while let Some(event) = stream.next().await {
                if events_tx.send(event).is_err() {
                    break;
                }
            }
        }));
        F::spawn(Box::pin(async move {
            let _ = done_tx.send(run.await);
        }));
        self.events = events;
        self.done = Some(done);
        self
    }

    fn next_event(&mut self, what: &str, wanted: &dyn Fn(&Event) -> bool) -> Event {
        loop {
            match recv(&self.events, what) {
                Some(event) if wanted(&event) => return event,
                Some(_) => continue,
                None => panic!("the event stream ended while waiting for {what}"),
            }
        }
    }

    fn shutdown(&self) {
        let handle = match &self.handle {
            Handle::SocketMode(handle) => handle.clone(),
            Handle::Rtm(rtm) => (**rtm).clone(),
        };
        block_on::<F, _>(
            "the shutdown request",
            async move { handle.shutdown().await },
        );
    }

    fn finish(self) -> Result<(), Error> {
        let done = self.done.expect("not started");
        recv(&done, "run() to return").expect("run() was dropped")
    }

    fn rtm(&self, op: RtmOp) -> mpsc::Receiver<Result<Option<Sent>, RtmError>> {
        let Handle::Rtm(rtm) = &self.handle else {
            panic!("RTM sends on a Socket Mode client")
        };
        let rtm = rtm.clone();
        let (tx, rx) = mpsc::channel();
        F::spawn(Box::pin(async move {
            let outcome = match op {
                RtmOp::Message(channel, text) => rtm.send_message(channel, text).await.map(Some),
                RtmOp::Typing(channel) => rtm.typing(channel).await.map(|()| None),
                RtmOp::Ping => rtm.ping().await.map(Some),
            };
            let _ = tx.send(outcome);
        }));
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

    fn web(setup: WebSetup) -> Result<AsyncWeb<F>, Error> {
        let mut builder = WebClient::<F::Runtime>::builder(setup.token).api_url(setup.api_url);
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
        Ok(AsyncWeb {
            client: builder.build()?,
            _flavor: std::marker::PhantomData,
        })
    }
}

pub struct AsyncWeb<F: Flavor> {
    client: WebClient<F::Runtime>,
    _flavor: std::marker::PhantomData<fn() -> F>,
}

impl<F: Flavor> Clone for AsyncWeb<F> {
    fn clone(&self) -> Self {
        AsyncWeb {
            client: self.client.clone(),
            _flavor: std::marker::PhantomData,
        }
    }
}

impl<F: Flavor> Web for AsyncWeb<F> {
    fn auth_test(&self) -> Result<auth::TestResponse, ApiError> {
        block_on::<F, _>("auth.test", self.client.auth_test())
    }

    fn chat_post_message(
        &self,
        channel: &str,
        text: &str,
    ) -> Result<chat::MessageResponse, ApiError> {
        block_on::<F, _>(
            "chat.postMessage",
            self.client.chat_post_message(channel, text),
        )
    }

    fn history(
        &self,
        channel: &str,
        limit: u32,
    ) -> Vec<Result<conversations::MessagesPage, ApiError>> {
        let pages = self
            .client
            .paginate(conversations::History::new(channel).limit(limit));
        block_on::<F, _>("the pages", pages.collect())
    }

    fn upload(
        &self,
        filename: &str,
        bytes: &'static [u8],
    ) -> Result<files::CompleteUploadResponse, ApiError> {
        let upload = self.client.upload_file(filename, bytes, upload_completion);
        block_on::<F, _>("the upload", upload)
    }
}
