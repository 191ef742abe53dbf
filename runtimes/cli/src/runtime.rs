//! `--runtime`: which async runtime drives the client. This binary is built on tokio; the
//! other drivers are accepted on the command line so that scripts can name them, and refused
//! with a clear message until they are built in.

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RuntimeChoice {
    Tokio,
    AsyncStd,
    Smol,
}

impl RuntimeChoice {
    /// Ok if this binary can run on it.
    pub fn check(self) -> anyhow::Result<()> {
        match self {
            RuntimeChoice::Tokio => Ok(()),
            other => anyhow::bail!(
                "--runtime {}: this slackline binary is built with the tokio driver only; \
                 use --runtime tokio (the default)",
                other
                    .to_possible_value()
                    .map_or_else(String::new, |v| v.get_name().to_owned())
            ),
        }
    }
}
