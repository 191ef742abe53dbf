//! Identifiers the session hands out. Never reused within a session, so a late input for an
//! old connection or request can always be recognised and ignored.

use std::fmt;

/// One WebSocket connection of a session.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub(crate) u32);

impl ConnId {
    /// The raw number (stable within a session, for logs and maps).
    pub fn get(self) -> u32 {
        self.0
    }

    /// A connection id from its number, for transcripts and tests that replay inputs.
    pub fn from_raw(n: u32) -> Self {
        ConnId(n)
    }
}

impl fmt::Debug for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "conn#{}", self.0)
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

/// One HTTP request the session asked the driver to make.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RequestId(pub(crate) u64);

impl RequestId {
    /// The raw number.
    pub fn get(self) -> u64 {
        self.0
    }

    /// A request id from its number, for transcripts and tests that replay inputs.
    pub fn from_raw(n: u64) -> Self {
        RequestId(n)
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "req#{}", self.0)
    }
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}
