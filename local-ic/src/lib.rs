//! An in-process double of one IC application subnet.
#![deny(missing_docs)]

pub mod certification;
