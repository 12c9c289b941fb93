//! `codecs::lambda_log::parse_line` on arbitrary UTF-8: documented never to
//! panic, whatever the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else {
        return;
    };
    let _ = faasight_collector::codecs::lambda_log::parse_line(line);
});
