//! `codecs::ndjson::parse_body` (decode + normalize + billing) on arbitrary
//! UTF-8, with a fixed `now` so that runs are reproducible.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    // 2025-01-01T00:00:00Z
    let now = DateTime::<Utc>::from_timestamp(1_735_689_600, 0).expect("valid time");
    let _ = faasight_collector::codecs::ndjson::parse_body(body, now);
});
