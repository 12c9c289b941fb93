//! `codecs::otlp`: every input is decoded as a trace, a logs and a metrics
//! export, each as protobuf and as OTLP/JSON, so one corpus of protobuf and
//! JSON bodies feeds all decoders, including span → invocation derivation,
//! enum-name rewriting and metric data points.
#![no_main]

use faasight_collector::codecs::otlp::{self, Encoding};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for encoding in [Encoding::Protobuf, Encoding::Json] {
        let _ = otlp::decode_traces(data, encoding, "t");
        let _ = otlp::decode_logs(data, encoding, "t");
        let _ = otlp::decode_metrics(data, encoding, "t");
    }
});
