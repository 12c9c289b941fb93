//! Architecture insights: serverless anti-patterns, concurrency limits and
//! throttling found in the stored invocations and traces (#14).
//!
//! Built piece by piece, each a pure function over rows the queries return:
//! so far the concurrency sweep that the concurrency and throttling finding
//! rests on.

pub mod concurrency;
