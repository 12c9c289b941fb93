//! Wire formats, decoded into the store's row types and encoded back.

pub mod ndjson;
