//! An in-process double of one IC application subnet.
#![deny(missing_docs)]

pub mod certification;
#[cfg(feature = "server")]
pub mod http_api;
#[cfg(feature = "server")]
pub mod gateway;
#[cfg(feature = "server")]
pub mod management;
