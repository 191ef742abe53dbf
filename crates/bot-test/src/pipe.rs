//! The in-memory network's connections: a byte pipe per connection, the client's end an async
//! stream (`futures-io`) the driver's HTTP and WebSocket code speaks over as over TCP, the
//! server's end read and written synchronously by the virtual Slack's one task.
//!
//! A write on the client's end marks the pipe in the shared [`Signal`] and wakes the server;
//! a write on the server's end wakes the client's reader. Nothing here touches a clock or a
//! thread: the whole network runs on the test's single-threaded runtime.

use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use tokio::sync::Notify;

/// Bytes the client may have written that the server has not read yet before its writes wait
/// (as a socket's send buffer would). The server reads everything at once unless a connection
/// is silent, so only a half-open connection fills it.
const UP_CAPACITY: usize = 256 * 1024;

/// Tells the server which pipes have something for it.
#[derive(Debug, Default)]
pub(crate) struct Signal {
    dirty: Mutex<Vec<u32>>,
    notify: Notify,
}

impl Signal {
    /// Pipe `id` has bytes, or was closed, or is new.
    pub(crate) fn mark(&self, id: u32) {
        lock(&self.dirty).push(id);
        self.notify.notify_one();
    }

    /// The pipes marked since the last call, each once, in order of their ids (the order they
    /// were opened in).
    pub(crate) fn take(&self) -> Vec<u32> {
        let mut ids = std::mem::take(&mut *lock(&self.dirty));
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// Completes when a pipe was marked (at once if one was since the last wait).
    pub(crate) async fn wait(&self) {
        self.notify.notified().await;
    }
}

/// Locks, ignoring poisoning: a handler that panicked while the lock was held cannot have left
/// a half-made change here (nothing in this crate panics under a lock).
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Debug, Default)]
struct State {
    /// Client to server, not read yet.
    up: Vec<u8>,
    /// Server to client, not read yet.
    down: VecDeque<u8>,
    /// The client closed its end (or dropped it): nothing more comes up.
    client_closed: bool,
    /// The server has written its last byte: the client reads the end of the stream after it.
    server_closed: bool,
    /// The connection was reset: both ends fail.
    reset: bool,
    reader: Option<Waker>,
    writer: Option<Waker>,
}

/// One connection.
#[derive(Debug)]
pub(crate) struct Pipe {
    id: u32,
    state: Mutex<State>,
    signal: Arc<Signal>,
}

/// A new connection: the pipe (for the server) and the client's end.
pub(crate) fn pair(id: u32, signal: Arc<Signal>) -> (Arc<Pipe>, ClientEnd) {
    let pipe = Arc::new(Pipe {
        id,
        state: Mutex::new(State::default()),
        signal,
    });
    (Arc::clone(&pipe), ClientEnd(pipe))
}

/// What the server finds on a pipe.
#[derive(Debug, Default)]
pub(crate) struct Upstream {
    /// Bytes the client wrote.
    pub(crate) bytes: Vec<u8>,
    /// The client has closed its end.
    pub(crate) closed: bool,
}

impl Pipe {
    pub(crate) fn id(&self) -> u32 {
        self.id
    }

    /// Takes what the client wrote (and makes room for more).
    pub(crate) fn read_up(&self) -> Upstream {
        let mut state = lock(&self.state);
        let bytes = std::mem::take(&mut state.up);
        if !bytes.is_empty() {
            if let Some(writer) = state.writer.take() {
                writer.wake();
            }
        }
        Upstream {
            bytes,
            closed: state.client_closed,
        }
    }

    /// Writes to the client (dropped if the connection is over).
    pub(crate) fn write_down(&self, bytes: &[u8]) {
        let mut state = lock(&self.state);
        if state.server_closed || state.reset {
            return;
        }
        state.down.extend(bytes);
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
    }

    /// The server is done: the client reads the end of the stream once it has read the rest.
    pub(crate) fn close(&self) {
        let mut state = lock(&self.state);
        state.server_closed = true;
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
        if let Some(writer) = state.writer.take() {
            writer.wake();
        }
    }

    /// The connection is reset: the client's reads and writes fail from now on.
    pub(crate) fn reset(&self) {
        let mut state = lock(&self.state);
        state.reset = true;
        state.down.clear();
        if let Some(reader) = state.reader.take() {
            reader.wake();
        }
        if let Some(writer) = state.writer.take() {
            writer.wake();
        }
    }
}

/// The client's end: an async byte stream, as the runtime's `connect_tcp` returns.
#[derive(Debug)]
pub(crate) struct ClientEnd(Arc<Pipe>);

fn reset_error() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "connection reset by peer")
}

impl futures_io::AsyncRead for ClientEnd {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = lock(&self.0.state);
        if state.reset {
            return Poll::Ready(Err(reset_error()));
        }
        if !state.down.is_empty() {
            let (front, back) = state.down.as_slices();
            let n = buf.len().min(front.len() + back.len());
            let first = n.min(front.len());
            buf[..first].copy_from_slice(&front[..first]);
            buf[first..n].copy_from_slice(&back[..n - first]);
            state.down.drain(..n);
            return Poll::Ready(Ok(n));
        }
        if state.server_closed || buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        state.reader = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl futures_io::AsyncWrite for ClientEnd {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let mut state = lock(&self.0.state);
        if state.reset {
            return Poll::Ready(Err(reset_error()));
        }
        if state.client_closed || state.server_closed {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the connection is closed",
            )));
        }
        let room = UP_CAPACITY.saturating_sub(state.up.len());
        if room == 0 {
            state.writer = Some(cx.waker().clone());
            return Poll::Pending;
        }
        let n = buf.len().min(room);
        state.up.extend_from_slice(&buf[..n]);
        drop(state);
        if n > 0 {
            self.0.signal.mark(self.0.id);
        }
        Poll::Ready(Ok(n))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_close(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.0.client_gone();
        Poll::Ready(Ok(()))
    }
}

impl Pipe {
    fn client_gone(&self) {
        let mut state = lock(&self.state);
        if state.client_closed {
            return;
        }
        state.client_closed = true;
        drop(state);
        self.signal.mark(self.id);
    }
}

impl Drop for ClientEnd {
    fn drop(&mut self) {
        self.0.client_gone();
    }
}

#[cfg(test)]
mod tests {
    use futures_util::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[test]
    fn bytes_cross_both_ways_and_the_end_is_seen() {
        let signal = Arc::new(Signal::default());
        let (pipe, mut client) = pair(7, Arc::clone(&signal));
        futures_lite::future::block_on(async {
            client.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
            assert_eq!(signal.take(), vec![7]);
            let up = pipe.read_up();
            assert_eq!(up.bytes, b"GET / HTTP/1.1\r\n\r\n");
            assert!(!up.closed);
            pipe.write_down(b"hello");
            pipe.close();
            let mut got = Vec::new();
            client.read_to_end(&mut got).await.unwrap();
            assert_eq!(got, b"hello");
        });
        drop(client);
        assert!(pipe.read_up().closed);
        assert_eq!(signal.take(), vec![7]);
    }

    #[test]
    fn a_reset_fails_the_client() {
        let (pipe, mut client) = pair(1, Arc::default());
        pipe.reset();
        futures_lite::future::block_on(async {
            let mut buf = [0u8; 4];
            let err = client.read(&mut buf).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::ConnectionReset);
            assert!(client.write_all(b"x").await.is_err());
        });
    }
}
