//! `codecs::cloudwatch`: every public decoder on arbitrary bytes — the
//! subscription body (`{"awslogs":{"data":…}}`, gzip or plain JSON), the raw
//! payload, and a Firehose request with each of its records — plus the
//! `function()`/`version()` accessors of whatever decodes.
#![no_main]

use faasight_collector::codecs::cloudwatch::{self, Subscription};
use libfuzzer_sys::fuzz_target;

/// Decompressed size cap, as small as practical so that gzip bombs are cheap.
const LIMIT: usize = 1 << 20;

fn touch(s: &Subscription) {
    let _ = (s.function(), s.version());
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = cloudwatch::decode_body(data, LIMIT) {
        touch(&s);
    }
    if let Ok(s) = cloudwatch::decode_payload(data, LIMIT) {
        touch(&s);
    }
    if let Ok(req) = cloudwatch::decode_firehose(data) {
        for record in req.records.iter().take(16) {
            if let Ok(s) = cloudwatch::decode_firehose_record(record, LIMIT) {
                touch(&s);
            }
        }
    }
});
