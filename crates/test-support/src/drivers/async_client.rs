//! [`Client`] for the async drivers, once for every runtime: a runtime crate's tests only say
//! how to run a task in the background ([`Flavor`]).

use std::future::Future;
use std::sync::mpsc;

use slackline::{ApiError, Event, RtmEvent};
use slackline::{AuthTest, PostedMessage};
use slackline_async_driver::{
    BoxFuture, ClientHandle, Envelope, Error, Responder, RtmBuilder, RtmClient, RtmError,
    RtmHandle, Runtime, Sent, SocketModeBuilder, SocketModeClient, WebClient,
};

use crate::drivers::client::{Behaviour, Client, Protocol, Route, RtmOp, Setup, Web, WebSetup};
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
                Behaviour::Echo(_) => {}
            }
        })
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
                Behaviour::Hold { .. } => {}
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
                let mut builder: SocketModeBuilder<F::Runtime> =
                    setup.apply(SocketModeClient::builder(&setup.token));
                for (route, behaviour) in routes {
                    let handler = envelope_handler(behaviour);
                    builder = match route {
                        Route::Event(kind) => builder.on_event(kind, handler),
                        Route::Interactive(kind) => builder.on_interactive(kind, handler),
                        Route::Command(command) => builder.on_command(command, handler),
                        Route::AnyEnvelope => builder.on_envelope(handler),
                        Route::Rtm(_) => panic!("an RTM route on a Socket Mode client"),
                    };
                }
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
        Ok(AsyncClient {
            built: Some(built),
            handle,
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

impl<F: Flavor> Web for AsyncWeb<F> {
    fn auth_test(&self) -> Result<AuthTest, ApiError> {
        let client = self.client.clone();
        block_on::<F, _>("auth.test", async move { client.auth_test().await })
    }

    fn chat_post_message(&self, channel: &str, text: &str) -> Result<PostedMessage, ApiError> {
        let client = self.client.clone();
        let (channel, text) = (channel.to_owned(), text.to_owned());
        block_on::<F, _>("chat.postMessage", async move {
            client.chat_post_message(&channel, &text).await
        })
    }
}
