//! `transforms::lambda_env::sequences::check`: arbitrary sequences of
//! Lambda platform events, over several environments and two tenants, fed
//! to one assembler; it panics on a panic or a broken invariant.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    faasight_collector::transforms::lambda_env::sequences::check(data);
});
