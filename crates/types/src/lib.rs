//! # slackline-types
#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]
#![deny(missing_debug_implementations)]

mod names;
mod tagged;

pub mod blocks;
pub mod command;
pub mod compose;
pub mod composition;
pub mod elements;
pub mod events;
pub mod extra;
pub mod interactive;
pub mod objects;
pub mod payload;
pub mod response;
pub mod view;
pub mod web;
