mod api;
mod errors;
mod openapi;
mod process;
mod rest;
mod sparql;
pub mod steward;
mod steward_web;
mod web;
