//! Event *sequences* from bytes, for fuzzing the assembler: the bugs it can
//! have live in the order and mix of events (a report with no start, an
//! init after its invocation, ids reused across environments, durations
//! and times at the edges of the calendar), which fuzzing one body at a
//! time never reaches. The fuzz target `lambda_env_sequence` and a unit
//! test over pseudo-random bytes both run [`check`].

use super::{Assembler, FunctionIdentity, MAX_ENVIRONMENTS_PER_TENANT};
use crate::codecs::lambda::{InitPhase, InitType, LambdaEvent, Report};
use chrono::{DateTime, Utc};

/// Reads bytes as a stream of small choices; zeros once they run out.
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b
            }
            None => 0,
        }
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.byte() as usize % from.len()]
    }

    fn u64(&mut self) -> u64 {
        (0..8).fold(0, |v, _| v << 8 | u64::from(self.byte()))
    }

    /// A duration in ms: ordinary, at the limits, or hostile.
    fn ms(&mut self) -> f64 {
        self.pick(&[
            0.0,
            1.5,
            250.0,
            900_000.0,
            960_000.0,
            960_001.0,
            9.0e15,
            f64::MAX,
            f64::INFINITY,
            f64::NAN,
            -1.0,
            1e-300,
        ])
    }

    fn time(&mut self) -> Option<DateTime<Utc>> {
        match self.byte() % 6 {
            0 => None,
            1 => Some(DateTime::<Utc>::MIN_UTC),
            2 => Some(DateTime::<Utc>::MAX_UTC),
            3 => Some(DateTime::<Utc>::UNIX_EPOCH),
            _ => DateTime::from_timestamp_millis(
                1_767_225_600_000 + (self.u64() % 10_000_000) as i64,
            ),
        }
    }

    fn request(&mut self) -> String {
        format!("r{}", self.byte() % 8)
    }
}

fn event(c: &mut Choices) -> LambdaEvent {
    match c.byte() % 9 {
        0 => LambdaEvent::InitReport {
            time: c.time(),
            init_type: c.pick(&[
                InitType::OnDemand,
                InitType::ProvisionedConcurrency,
                InitType::SnapStart,
                InitType::ManagedInstances,
                InitType::Unknown,
            ]),
            phase: c.pick(&[InitPhase::Init, InitPhase::Invoke]),
            duration_ms: c.ms(),
            status: None,
            error_type: None,
        },
        1 => LambdaEvent::RestoreReport {
            time: c.time(),
            duration_ms: Some(c.ms()),
            status: None,
            error_type: None,
        },
        2 => LambdaEvent::Start {
            time: c.time(),
            request_id: c.request(),
            version: Some("1".into()),
            xray_trace_id: None,
        },
        3 => LambdaEvent::RuntimeDone {
            time: c.time(),
            request_id: c.request(),
            status: c.pick(&["success", "error", "timeout", "failure"]).into(),
            error_type: None,
            duration_ms: Some(c.ms()),
        },
        4 => LambdaEvent::Timeout {
            time: c.time(),
            request_id: c.request(),
            seconds: c.ms(),
        },
        5 => LambdaEvent::Fault {
            time: c.time(),
            request_id: (c.byte().is_multiple_of(2)).then(|| c.request()),
            message: "crash".into(),
        },
        6 => LambdaEvent::Log {
            time: c.time(),
            request_id: None,
            level: None,
            origin: "function",
            message: "line".into(),
        },
        _ => LambdaEvent::Report(Report {
            time: c.time(),
            request_id: c.request(),
            duration_ms: c.ms(),
            init_duration_ms: (c.byte().is_multiple_of(2)).then(|| c.ms()),
            restore_duration_ms: (c.byte().is_multiple_of(4)).then(|| c.ms()),
            status: Some(c.pick(&["success", "error", "timeout"]).into()),
            ..Default::default()
        }),
    }
}

/// Feeds the sequence `data` describes to one assembler — calls of a few
/// events each, for a handful of environments of two tenants, each event
/// with a fallback time of its own — and panics if the assembler panics or
/// breaks an invariant: every invocation starts at a time ClickHouse can
/// store, every duration it reports is one Lambda can, and no tenant keeps
/// more environments than its bound.
pub fn check(data: &[u8]) {
    let mut c = Choices(data);
    let mut assembler = Assembler::new();
    while !c.0.is_empty() {
        let id = FunctionIdentity {
            tenant: c.pick(&["a", "b"]).into(),
            function: "f".into(),
            instance_id: format!("i{}", c.byte() % 4),
            ..Default::default()
        };
        let calls = 1 + c.byte() % 4;
        let events: Vec<_> = (0..calls)
            .map(|_| {
                let e = event(&mut c);
                let fallback = c.time().unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
                (e, fallback)
            })
            .collect();
        let out = assembler.push(&id, events);
        let max = faasight_pricing::Provider::AwsLambda.max_duration_ms();
        for row in &out.invocations {
            assert!(
                DateTime::from_timestamp_millis(row.start_time_ms as i64).is_some(),
                "{row:?}"
            );
            for d in [
                row.duration_ms,
                row.init_duration_ms,
                row.restore_duration_ms,
            ] {
                assert!(d.is_finite() && (0.0..=max).contains(&d), "{row:?}");
            }
        }
        for log in &out.logs {
            assert!(crate::normalize::storable_time(log.timestamp), "{log:?}");
        }
        for tenant in ["a", "b"] {
            assert!(assembler.tenant_environments(tenant) <= MAX_ENVIRONMENTS_PER_TENANT);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Pseudo-random test bytes: the low byte of each SplitMix64 output.
    fn bytes(seed: u64, n: usize) -> Vec<u8> {
        let mut rng = faasight_stats::SplitMix64::new(seed);
        (0..n).map(|_| rng.next_u64() as u8).collect()
    }

    #[test]
    fn pseudo_random_sequences_keep_the_invariants() {
        for seed in 0..2_000 {
            super::check(&bytes(seed, 512));
        }
    }

    #[test]
    fn the_reported_denial_of_service_is_a_refused_event() {
        // platform.report with durationMs 9.0e15 and no platform.start: the
        // start computed from it left chrono's range and panicked under the
        // process-wide lock.
        let mut a = super::Assembler::new();
        let id = super::FunctionIdentity {
            tenant: "t".into(),
            function: "f".into(),
            ..Default::default()
        };
        let out = a.push(
            &id,
            [(
                super::LambdaEvent::Report(super::Report {
                    request_id: "r".into(),
                    duration_ms: 9.0e15,
                    ..Default::default()
                }),
                "2026-01-01T00:00:00Z".parse().unwrap(),
            )],
        );
        assert!(out.invocations.is_empty());
        assert_eq!(out.rejected.len(), 1);
        assert!(
            out.rejected[0].contains("durationMs") && out.rejected[0].contains("960000"),
            "{:?}",
            out.rejected
        );
    }
}
