//! Areas of the end-to-end suite.

mod browser;
mod chdb;
mod cli;
mod durability;
mod lambda_ingest;
mod common;
mod pipeline;
mod up;
