//! The command line: `validate` and `ingest` as a steward runs them, and crash safety of a
//! publish killed mid-write.

mod crash;
mod validate;
