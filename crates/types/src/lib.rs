//! # slackline-types
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]
#![deny(missing_debug_implementations)]

pub mod blocks;
pub mod composition;
pub mod elements;
pub mod extra;
mod names;
mod tagged;
pub mod view;
