//! `listen`'s stdout: one thread of its own formats and writes the lines, so that a reader
//! who stalls blocks this thread only, never the runtime's (acks, pings and timers of every
//! connection go on).
//!
//! - **Acked once printed.** An envelope comes with the right to ack it (a [`HeldAck`]); the ack is
//!   given once its whole line was handed to stdout (`write` returned past its end), never
//!   before. An envelope whose line was not written (stdout closed, `--max-events` reached)
//!   is not acked: Slack redelivers it.
//! - **Bounded.** The queue holds [`CAPACITY`] items; a handler waits for room, so while stdout
//!   is blocked the handler queue fills and the client stops reading (back-pressure reaches
//!   TCP) with everything unprinted still unacked.
//! - **Batched.** What is queued when the thread wakes is written with one `write` per
//!   64 KiB, and acked together after it. The thread is woken once per burst of lines, not
//!   per line (a task on the runtime does it after the handlers of the burst have run), and
//!   the acks go back to the runtime's thread in one hand-over per batch: without both, a
//!   fast stdout (a file, `/dev/null`) made the two threads wake each other for every line.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Poll, Waker};

use slackline::{Envelope, RtmEvent};
use slackline_async_driver::HeldAck;

use crate::output;

/// Items queued for the writer before handlers wait for room.
pub const CAPACITY: usize = 128;
/// Items the writer takes from the queue at a time (so that it holds at most this many
/// beside a full queue while it waits on a slow reader).
const TAKE: usize = 64;
/// Bytes formatted before they are written (and the lines in them acked).
const WRITE_BATCH: usize = 64 * 1024;

/// A line to write.
#[derive(Debug)]
pub enum Item {
    /// An envelope, acked once printed.
    Envelope(Envelope, HeldAck),
    /// An RTM event (RTM has no acks).
    Rtm(RtmEvent),
    /// A lifecycle line (`hello`, `disconnect`, `goodbye`), newline included.
    Line(String),
}

impl Item {
    fn is_event(&self) -> bool {
        !matches!(self, Item::Line(_))
    }
}

/// Why the writer stopped before being told to.
#[derive(Debug)]
pub enum Broken {
    /// Nobody reads stdout any more (`EPIPE`: `| head` exited).
    Closed,
    /// Writing failed otherwise (a full disk, an I/O error).
    Failed(io::Error),
}

/// What was written, for the summary at the end.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counts {
    /// Lines written whole.
    pub lines: u64,
    /// Of which envelopes and RTM events.
    pub events: u64,
}

#[derive(Default)]
struct State {
    queue: VecDeque<Item>,
    /// A handler waiting for room.
    waiting: Option<Waker>,
    /// No more items: write what is queued, then end.
    closing: bool,
    /// The writer ended.
    done: bool,
    /// The writer waits for items (so it must be woken; otherwise it finds them itself).
    sleeping: bool,
    /// A wake of the writer is scheduled (the kick task will do it).
    kicked: bool,
    /// Acks of printed envelopes, for the runtime's thread to give.
    printed: Vec<HeldAck>,
    broken: Option<Broken>,
    counts: Counts,
}

struct Shared {
    state: Mutex<State>,
    writer: Condvar,
    max_events: Option<u64>,
    /// Told when the writer breaks, reaches `--max-events`, or ends.
    news: tokio::sync::Notify,
    /// Wakes the kick task: the writer sleeps and lines are queued.
    kick: tokio::sync::Notify,
    /// Wakes the ack task: `printed` has acks to give.
    acks: tokio::sync::Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The stdout thread's handle.
#[derive(Clone)]
pub struct Printer {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Printer")
    }
}

impl Printer {
    /// Starts the thread, and the two tasks on the current tokio runtime that wake it and
    /// give the acks. After `max_events` envelopes and RTM events, it prints no more.
    pub fn start(max_events: Option<u64>) -> io::Result<Printer> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            writer: Condvar::new(),
            max_events,
            news: tokio::sync::Notify::new(),
            kick: tokio::sync::Notify::new(),
            acks: tokio::sync::Notify::new(),
        });
        let thread = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("slackline-stdout".into())
            .spawn(move || write_loop(&thread))?;
        let kicker = Arc::clone(&shared);
        tokio::spawn(async move {
            loop {
                kicker.kick.notified().await;
                // Runs once the handlers woken with it have run: their lines are all queued.
                let wake = {
                    let mut state = kicker.lock();
                    state.kicked = false;
                    std::mem::take(&mut state.sleeping)
                };
                if wake {
                    kicker.writer.notify_one();
                }
            }
        });
        let acker = Arc::clone(&shared);
        tokio::spawn(async move {
            let mut printed = Vec::new();
            loop {
                acker.acks.notified().await;
                std::mem::swap(&mut printed, &mut acker.lock().printed);
                // One command carries the batch's acks to the drive loop.
                HeldAck::give_all_now(printed.drain(..));
            }
        });
        Ok(Printer { shared })
    }

    /// Queues `item`, waiting while the queue is full. Once stdout is broken the item is
    /// dropped (its envelope not acked).
    pub async fn push(&self, item: Item) {
        let mut item = Some(item);
        poll_fn(|cx| {
            let mut state = self.shared.lock();
            if state.broken.is_some() || state.done {
                item = None;
                return Poll::Ready(());
            }
            if state.queue.len() >= CAPACITY {
                match &state.waiting {
                    Some(waker) if waker.will_wake(cx.waker()) => {}
                    _ => state.waiting = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            if let Some(item) = item.take() {
                state.queue.push_back(item);
            }
            self.kick(state);
            Poll::Ready(())
        })
        .await;
        // An item refused above is dropped here, outside the lock.
        drop(item);
    }

    /// Queues `item` without waiting (lifecycle lines: a few, in order with the envelopes).
    pub fn push_now(&self, item: Item) {
        let mut state = self.shared.lock();
        if state.broken.is_some() || state.done {
            return;
        }
        state.queue.push_back(item);
        self.kick(state);
    }

    /// A busy writer takes what was queued meanwhile when it comes back; a sleeping one is
    /// woken by the kick task, once for the whole burst.
    fn kick(&self, mut state: MutexGuard<'_, State>) {
        if state.sleeping && !state.kicked {
            state.kicked = true;
            drop(state);
            self.shared.kick.notify_one();
        }
    }

    /// Waits until stdout broke, `--max-events` was reached or the writer ended.
    pub async fn news(&self) -> News {
        loop {
            let notified = self.shared.news.notified();
            if let Some(news) = self.check() {
                return news;
            }
            notified.await;
        }
    }

    fn check(&self) -> Option<News> {
        let state = self.shared.lock();
        if state.broken.is_some() {
            return Some(News::Broken);
        }
        if self
            .shared
            .max_events
            .is_some_and(|max| state.counts.events >= max)
        {
            return Some(News::MaxReached);
        }
        state.done.then_some(News::Ended)
    }

    /// Writes what is queued and ends the thread, waiting for it at most `limit` (a reader
    /// that stalls keeps it blocked: it is then left behind). Returns what was written and
    /// why stdout broke, if it did.
    pub async fn finish(&self, limit: std::time::Duration) -> (Counts, Option<Broken>) {
        {
            let mut state = self.shared.lock();
            state.closing = true;
            state.sleeping = false;
        }
        self.shared.writer.notify_one();
        let _ = tokio::time::timeout(limit, async {
            loop {
                let notified = self.shared.news.notified();
                if self.shared.lock().done {
                    return;
                }
                notified.await;
            }
        })
        .await;
        let mut state = self.shared.lock();
        (state.counts, state.broken.take())
    }
}

/// What the writer has to say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum News {
    Broken,
    MaxReached,
    Ended,
}

/// A line formatted but not yet written: where it ends in the buffer, and its ack.
struct Pending {
    end: usize,
    event: bool,
    held: Option<HeldAck>,
}

fn write_loop(shared: &Shared) {
    let mut batch: VecDeque<Item> = VecDeque::with_capacity(TAKE);
    let mut buf: Vec<u8> = Vec::with_capacity(WRITE_BATCH + 16 * 1024);
    let mut pending: Vec<Pending> = Vec::with_capacity(CAPACITY);
    let mut formatted_events = 0u64;
    let stdout = io::stdout();
    loop {
        {
            let mut state = shared.lock();
            while state.queue.is_empty() && !state.closing {
                state.sleeping = true;
                state = shared
                    .writer
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            state.sleeping = false;
            if state.queue.is_empty() {
                break;
            }
            let take = state.queue.len().min(TAKE);
            batch.extend(state.queue.drain(..take));
            let waiting = state.waiting.take();
            drop(state);
            if let Some(waker) = waiting {
                waker.wake();
            }
        }
        let mut ok = true;
        while let Some(item) = batch.pop_front() {
            let event = item.is_event();
            if event && shared.max_events.is_some_and(|max| formatted_events >= max) {
                // Past `--max-events`: neither printed nor acked.
                continue;
            }
            let held = match item {
                Item::Envelope(envelope, held) => {
                    output::envelope_into(&mut buf, &envelope);
                    Some(held)
                }
                Item::Rtm(event) => {
                    output::rtm_into(&mut buf, &event);
                    None
                }
                Item::Line(line) => {
                    buf.extend_from_slice(line.as_bytes());
                    None
                }
            };
            formatted_events += u64::from(event);
            pending.push(Pending {
                end: buf.len(),
                event,
                held,
            });
            if buf.len() >= WRITE_BATCH {
                ok = flush(shared, &stdout, &mut buf, &mut pending);
                if !ok {
                    break;
                }
            }
        }
        if !(ok && flush(shared, &stdout, &mut buf, &mut pending)) {
            break;
        }
    }
    end(shared, batch);
}

/// Writes the buffer, then acks the lines written whole; false if stdout broke (the lines
/// not written whole are not acked).
fn flush(
    shared: &Shared,
    stdout: &io::Stdout,
    buf: &mut Vec<u8>,
    pending: &mut Vec<Pending>,
) -> bool {
    if buf.is_empty() {
        return true;
    }
    let mut written = 0;
    let mut broken = None;
    {
        let mut out = stdout.lock();
        while written < buf.len() {
            match out.write(&buf[written..]) {
                Ok(0) => {
                    broken = Some(Broken::Failed(io::ErrorKind::WriteZero.into()));
                    break;
                }
                Ok(n) => written += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                    broken = Some(Broken::Closed);
                    break;
                }
                Err(e) => {
                    broken = Some(Broken::Failed(e));
                    break;
                }
            }
        }
        if broken.is_none() {
            if let Err(e) = out.flush() {
                broken = Some(if e.kind() == io::ErrorKind::BrokenPipe {
                    Broken::Closed
                } else {
                    Broken::Failed(e)
                });
            }
        }
    }
    let mut counts = Counts::default();
    let mut state = shared.lock();
    let had_acks = !state.printed.is_empty();
    for line in pending.drain(..) {
        if line.end <= written {
            counts.lines += 1;
            counts.events += u64::from(line.event);
            state.printed.extend(line.held);
        }
        // A line not written whole drops its `HeldAck` here: not acked.
    }
    let acks = !had_acks && !state.printed.is_empty();
    drop(state);
    if acks {
        shared.acks.notify_one();
    }
    buf.clear();
    let ok = broken.is_none();
    let news = {
        let mut state = shared.lock();
        state.counts.lines += counts.lines;
        state.counts.events += counts.events;
        if broken.is_some() {
            state.broken = broken;
        }
        !ok || shared
            .max_events
            .is_some_and(|max| counts.events > 0 && state.counts.events >= max)
    };
    if news {
        shared.news.notify_one();
    }
    ok
}

/// The writer is done: whatever is still queued is dropped unprinted (and unacked).
fn end(shared: &Shared, leftover: VecDeque<Item>) {
    drop(leftover);
    let queued = {
        let mut state = shared.lock();
        state.done = true;
        std::mem::take(&mut state.queue)
    };
    drop(queued);
    let waiting = shared.lock().waiting.take();
    if let Some(waker) = waiting {
        waker.wake();
    }
    shared.news.notify_waiters();
    shared.news.notify_one();
}
