//! `codecs::lambda_telemetry::parse_body` (JSON array, single event or
//! NDJSON of Telemetry API events) on arbitrary UTF-8.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let _ = faasight_collector::codecs::lambda_telemetry::parse_body(body);
});
