mod api;
mod errors;
mod openapi;
mod process;
mod rest;
mod sparql;
mod steward;
mod web;
