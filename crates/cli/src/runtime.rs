//! `--runtime`: which async runtime drives the client (its connections, timers and handlers).
//! The command itself (signals, printing) runs on tokio either way.

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuntimeChoice {
    Tokio,
    AsyncStd,
    Smol,
}
