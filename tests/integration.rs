//! One integration test binary (one link step); each area is a module under `tests/http/`.

mod common;
mod http;
