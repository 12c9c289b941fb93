//! Areas of the end-to-end suite.

mod analyses;
mod browser;
mod chdb;
mod cli;
mod common;
mod durability;
mod hardening;
mod lambda_ingest;
mod otlp;
mod pipeline;
mod up;
