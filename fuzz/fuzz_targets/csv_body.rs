//! `codecs::csv::parse_body` (RFC 4180 reader, header mapping, then the
//! NDJSON rules) on arbitrary UTF-8, with a fixed `now`; also drains the
//! bare record reader `codecs::csv::records`.
#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    for record in faasight_collector::codecs::csv::records(body) {
        if record.is_err() {
            break;
        }
    }
    // 2025-01-01T00:00:00Z
    let now = DateTime::<Utc>::from_timestamp(1_735_689_600, 0).expect("valid time");
    let _ = faasight_collector::codecs::csv::parse_body(body, now);
});
