//! Steps between decoding and normalization that need more than one record.

pub mod lambda_env;
