//! One integration test binary (one link step); each area is a module.

mod cli;
mod common;
mod http;
mod store;
