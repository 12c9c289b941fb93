//! Tests for `azure_2019`: a hand-made trace in a temporary directory, and
//! the real 1,000-function sample, whose expected numbers are computed here
//! from the CSV text independently of the module's reader.

use super::*;
use std::collections::{BTreeMap, HashSet};
use std::convert::Infallible;
use std::time::Instant;

const REAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../sample-data/azure-functions-2019"
);

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 9).unwrap()
}

/// Epoch ms of `day()`'s midnight, computed by hand: 2026-03-09 is day
/// 20,521 since 1970-01-01.
const DAY_MS: u64 = 20_521 * 86_400_000;

/// Durations knots of the tiny trace: (min, p1, p25, p50, p75, p99, max).
const DUR_A: [f64; 7] = [10.0, 20.0, 100.0, 200.0, 300.0, 900.0, 1000.0];
const DUR_B: [f64; 7] = [5.0, 5.5, 6.0, 8.0, 12.0, 40.0, 50.0];

/// One function of the tiny trace: owner, app, function, trigger and
/// `(minute from 0, invocations)`.
type TinyFunction = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Vec<(usize, u32)>,
);

/// Invocation counts of the tiny trace, by function and minute (0-based).
fn counts() -> Vec<TinyFunction> {
    vec![
        ("o1", "a1", "fA", "http", vec![(0, 3), (2, 5), (1439, 2)]),
        ("o1", "a2", "fB", "timer", vec![(0, 1), (5, 4)]),
        ("o2", "a3", "fC", "queue", vec![(3, 7)]),
    ]
}

/// Writes a tiny trace in the original dataset's layout (`Trigger`, minute
/// columns named `1`..`1440`): fC has no durations, fB's app no memory.
fn tiny_trace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut inv = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 1..=1440 {
        inv.push_str(&format!(",{m}"));
    }
    inv.push_str("\r\n");
    for (owner, app, function, trigger, minutes) in counts() {
        let mut row = vec![0u32; 1440];
        for (m, n) in minutes {
            row[m] = n;
        }
        inv.push_str(&format!("{owner},{app},{function},{trigger}"));
        for n in row {
            inv.push_str(&format!(",{n}"));
        }
        inv.push_str("\r\n");
    }
    std::fs::write(dir.path().join(INVOCATIONS_FILE), inv).unwrap();
    let mut run = String::from("HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n");
    for (owner, app, function, d) in [("o1", "a1", "fA", DUR_A), ("o1", "a2", "fB", DUR_B)] {
        run.push_str(&format!(
            "{owner},{app},{function},1,1,{:.1},{:.1},{},{},{},{},{},{},{}\n",
            d[0], d[6], d[0], d[1], d[2], d[3], d[4], d[5], d[6]
        ));
    }
    std::fs::write(dir.path().join(DURATIONS_FILE), run).unwrap();
    std::fs::write(
        dir.path().join(MEMORY_FILE),
        "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\n\
         o1,a1,10,150,100,110,130,150,170,190,195,200\n\
         o2,a3,10,150,60,60,60,60,60,60,60,60\n",
    )
    .unwrap();
    dir
}

fn collect(dir: &Path, opts: &AzureTraceOptions) -> (ExpandSummary, Vec<Vec<InvocationRow>>) {
    let mut batches = Vec::new();
    let summary = expand(dir, opts, |b| {
        batches.push(b);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    (summary, batches)
}

#[test]
fn inverse_cdf_returns_the_knots_and_interpolates_between_them() {
    let knots: Vec<(f64, f64)> = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0]
        .into_iter()
        .zip(DUR_A)
        .collect();
    for &(p, v) in &knots {
        assert_eq!(inverse_cdf(&knots, p), v, "at {p}");
    }
    assert_eq!(inverse_cdf(&knots, 0.375), 150.0);
    assert_eq!(inverse_cdf(&knots, 0.995), 950.0);
    assert_eq!(inverse_cdf(&knots, -1.0), 10.0);
    assert_eq!(inverse_cdf(&knots, 2.0), 1000.0);
    assert_eq!(inverse_cdf(&[], 0.5), 0.0);
    // Knots that start above 0 hold their first value below it.
    assert_eq!(inverse_cdf(&[(0.01, 100.0), (1.0, 200.0)], 0.001), 100.0);
    // Equal probabilities (a step) do not divide by zero.
    assert_eq!(inverse_cdf(&[(0.0, 1.0), (0.5, 2.0), (0.5, 3.0)], 0.5), 2.0);
}

#[test]
fn read_minutes_returns_the_real_sample_as_it_is() {
    let functions = read_minutes(Path::new(REAL)).unwrap();
    // Independently: count the lines and add up every `minute_*` cell.
    let text = std::fs::read_to_string(Path::new(REAL).join(INVOCATIONS_FILE)).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let (mut rows, mut total) = (0usize, 0u64);
    for line in lines.filter(|l| !l.is_empty()) {
        rows += 1;
        for (name, cell) in header.iter().zip(line.split(',')) {
            if name.starts_with("minute_") {
                total += cell.parse::<u64>().unwrap();
            }
        }
    }
    assert_eq!(rows, 1000);
    assert_eq!(total, 608_228, "PROVENANCE.md gives 608,228");
    assert_eq!(functions.len(), rows);
    assert!(functions.iter().all(|f| f.counts.len() == MINUTES));
    assert_eq!(
        functions.iter().map(FunctionMinutes::total).sum::<u64>(),
        total
    );
    let first = &functions[0];
    assert_eq!(first.function, first.owner, "the sampler copied the hash");
    assert_eq!(first.trigger, "", "the sample has no trigger column");
}

#[test]
fn expands_each_minute_into_its_count_of_rows() {
    let dir = tiny_trace();
    let mut opts = AzureTraceOptions::new(42, day());
    opts.batch_rows = 4;
    opts.tenant = "t1".into();
    let (summary, batches) = collect(dir.path(), &opts);
    assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 4));
    let rows: Vec<InvocationRow> = batches.into_iter().flatten().collect();
    assert_eq!(rows.len(), 15);
    assert_eq!(
        summary,
        ExpandSummary {
            rows: 15,
            batches: 4,
            functions: 3,
            functions_expanded: 2,
            functions_without_memory: 1,
            skipped: vec![SkippedFunction {
                owner: "o2".into(),
                app: "a3".into(),
                function: "fC".into(),
                reason: SkipReason::NoDurations,
                invocations: 7,
            }],
        }
    );
    assert_eq!(summary.skipped_invocations(), 7);

    // Rows per (function, minute), every start inside its minute.
    let mut per_minute: BTreeMap<(String, u64), u32> = BTreeMap::new();
    for r in &rows {
        assert!(r.start_time_ms >= DAY_MS && r.start_time_ms < DAY_MS + 86_400_000);
        *per_minute
            .entry((r.function.clone(), (r.start_time_ms - DAY_MS) / 60_000))
            .or_default() += 1;
    }
    let expected: BTreeMap<(String, u64), u32> = counts()
        .into_iter()
        .filter(|c| c.2 != "fC")
        .flat_map(|(_, _, f, _, m)| {
            m.into_iter()
                .map(move |(m, n)| ((f.to_string(), m as u64), n))
        })
        .collect();
    assert_eq!(per_minute, expected);
    // Minute by minute, in time order within a function-minute.
    assert!(rows
        .windows(2)
        .all(|w| w[0].start_time_ms / 60_000 <= w[1].start_time_ms / 60_000));
    assert!(rows.windows(2).all(|w| w[0].function != w[1].function
        || w[0].start_time_ms / 60_000 != w[1].start_time_ms / 60_000
        || w[0].start_time_ms <= w[1].start_time_ms));

    let next_midnight = DateTime::from_timestamp(((DAY_MS + 86_400_000) / 1000) as i64, 0).unwrap();
    for r in &rows {
        let (d, trigger, account) = if r.function == "fA" {
            (DUR_A, "http", "o1")
        } else {
            (DUR_B, "timer", "o1")
        };
        assert!(
            r.duration_ms >= d[0] && r.duration_ms <= d[6],
            "{}",
            r.duration_ms
        );
        assert_eq!((r.trigger.as_str(), r.account.as_str()), (trigger, account));
        if r.function == "fA" {
            assert!(
                (100..=200).contains(&r.max_memory_used_mb),
                "{}",
                r.max_memory_used_mb
            );
        } else {
            assert_eq!(r.max_memory_used_mb, 0);
        }
        assert_eq!(r.provider, "azure_functions");
        assert_eq!((r.tenant.as_str(), r.region.as_str()), ("t1", "eastus"));
        assert_eq!(
            (r.source.as_str(), r.start_type.as_str(), r.status.as_str()),
            (SOURCE, "unknown", "success")
        );
        assert_eq!(r.memory_mb, 1536);
        assert_eq!(r.version, "");
        assert_eq!(r.request_id.len(), 32);
        assert_eq!(r.ingested_at, next_midnight);
        assert_eq!(
            r.start_time.timestamp_millis() as u64,
            r.start_time_ms / 1000 * 1000
        );
        // Billing: at least 100 ms, and a price (at least one execution).
        assert!(r.billed_duration_ms >= 100 && r.billed_duration_ms as f64 >= r.duration_ms);
        assert!(r.cost_usd.0 > 200_000);
    }
    let ids: HashSet<&str> = rows.iter().map(|r| r.request_id.as_str()).collect();
    assert_eq!(ids.len(), rows.len());
}

#[test]
fn expansion_is_deterministic_for_a_seed() {
    let dir = tiny_trace();
    let rows = |opts: &AzureTraceOptions| -> Vec<InvocationRow> {
        collect(dir.path(), opts).1.into_iter().flatten().collect()
    };
    let opts = AzureTraceOptions::new(7, day());
    let a = rows(&opts);
    // The batch size does not change the rows.
    let b = rows(&AzureTraceOptions {
        batch_rows: 1,
        ..opts.clone()
    });
    assert_eq!(a, b);
    let c = rows(&AzureTraceOptions::new(8, day()));
    assert_eq!(a.len(), c.len());
    assert!(a.iter().zip(&c).all(|(x, y)| x.request_id != y.request_id));
    assert_ne!(
        a.iter().map(|r| r.start_time_ms).collect::<Vec<_>>(),
        c.iter().map(|r| r.start_time_ms).collect::<Vec<_>>()
    );
    assert_ne!(
        a.iter()
            .map(|r| r.duration_ms.to_bits())
            .collect::<Vec<_>>(),
        c.iter()
            .map(|r| r.duration_ms.to_bits())
            .collect::<Vec<_>>()
    );
    // Filtering functions keeps the rows of the ones left.
    let only_first = rows(&AzureTraceOptions {
        max_functions: Some(1),
        ..opts.clone()
    });
    let fa: Vec<InvocationRow> = a.into_iter().filter(|r| r.function == "fA").collect();
    assert_eq!(only_first, fa);
}

#[test]
fn sink_errors_stop_the_expansion() {
    let dir = tiny_trace();
    let mut opts = AzureTraceOptions::new(1, day());
    opts.batch_rows = 5;
    let mut calls = 0;
    let e = expand(dir.path(), &opts, |_| {
        calls += 1;
        if calls == 2 {
            Err(std::fmt::Error)
        } else {
            Ok(())
        }
    })
    .unwrap_err();
    assert!(matches!(e, ExpandError::Sink(std::fmt::Error)));
    assert_eq!(calls, 2);
}

#[test]
fn trace_errors_name_the_file_and_line() {
    let dir = tiny_trace();
    let opts = AzureTraceOptions::new(1, day());
    let sink = |_| Ok::<(), Infallible>(());

    let mem = dir.path().join(MEMORY_FILE);
    let good_mem = std::fs::read_to_string(&mem).unwrap();
    std::fs::write(
        &mem,
        good_mem.replace("o2,a3,10,150,60", "o2,a3,10,150,sixty"),
    )
    .unwrap();
    let e = expand(dir.path(), &opts, sink).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:3: AverageAllocatedMb_pct1: \"sixty\" is not a number ≥ 0",
            mem.display()
        )
    );
    std::fs::remove_file(&mem).unwrap();
    let e = expand(dir.path(), &opts, sink).unwrap_err().to_string();
    assert_eq!(e, format!("{}: the trace file is missing", mem.display()));

    let inv = dir.path().join(INVOCATIONS_FILE);
    let text = std::fs::read_to_string(&inv).unwrap();
    std::fs::write(&inv, text.replacen(",7,", ",x7,", 1)).unwrap();
    let e = read_minutes(dir.path()).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}:1: no column `minute_7` (or `7`)", inv.display())
    );
    std::fs::write(&inv, text.replacen(",http,3,", ",http,-3,", 1)).unwrap();
    let e = read_minutes(dir.path()).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "{}:2: 1: \"-3\" is not a whole number from 0 to 1,000,000 (invocations in one minute)",
            inv.display()
        )
    );
    // A count no function reaches would be millions of rows in memory.
    std::fs::write(&inv, text.replacen(",http,3,", ",http,1000001,", 1)).unwrap();
    let e = read_minutes(dir.path()).unwrap_err().to_string();
    assert!(
        e.contains("\"1000001\" is not a whole number from 0 to 1,000,000"),
        "{e}"
    );
    std::fs::write(&inv, format!("{text}o9,a9,f9,http,1\n")).unwrap();
    let e = read_minutes(dir.path()).unwrap_err().to_string();
    assert_eq!(
        e,
        format!("{}:5: 5 cells, but the header has 1444", inv.display())
    );

    let early = AzureTraceOptions::new(1, NaiveDate::from_ymd_opt(1969, 12, 31).unwrap());
    assert!(matches!(
        expand(dir.path(), &early, sink),
        Err(ExpandError::Trace(AzureTraceError::Options(_)))
    ));
}

#[test]
fn expands_the_real_sample() {
    let dir = Path::new(REAL);
    // Independently: the functions that have durations, and their counts.
    let run = std::fs::read_to_string(dir.join(DURATIONS_FILE)).unwrap();
    let mut run_lines = run.lines();
    let run_header: Vec<&str> = run_lines.next().unwrap().split(',').collect();
    let fcol = run_header
        .iter()
        .position(|h| *h == "HashFunction")
        .unwrap();
    let with_durations: HashSet<&str> =
        run_lines.map(|l| l.split(',').nth(fcol).unwrap()).collect();
    let inv = std::fs::read_to_string(dir.join(INVOCATIONS_FILE)).unwrap();
    let mut inv_lines = inv.lines();
    let inv_header: Vec<&str> = inv_lines.next().unwrap().split(',').collect();
    let icol = inv_header
        .iter()
        .position(|h| *h == "HashFunction")
        .unwrap();
    let mut expected = 0u64;
    for line in inv_lines {
        let cells: Vec<&str> = line.split(',').collect();
        if with_durations.contains(cells[icol]) {
            expected += cells[3..]
                .iter()
                .map(|c| c.parse::<u64>().unwrap())
                .sum::<u64>();
        }
    }

    let opts = AzureTraceOptions::new(2019, day());
    let started = Instant::now();
    let (mut rows, mut batches, mut in_day) = (0u64, 0u64, true);
    let summary = expand(dir, &opts, |batch| {
        rows += batch.len() as u64;
        batches += 1;
        in_day &= batch
            .iter()
            .all(|r| r.start_time_ms >= DAY_MS && r.start_time_ms < DAY_MS + 86_400_000);
        Ok::<(), Infallible>(())
    })
    .unwrap();
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "expanded {rows} rows in {secs:.2} s: {:.0} rows/s",
        rows as f64 / secs
    );
    assert_eq!(rows, expected);
    assert_eq!(summary.rows, expected);
    assert_eq!(summary.batches, batches);
    assert_eq!(summary.batches, expected.div_ceil(MAX_BATCH_ROWS as u64));
    assert_eq!(summary.functions, 1000);
    assert_eq!(summary.functions_expanded, with_durations.len());
    assert_eq!(summary.skipped_invocations(), 608_228 - expected);
    assert!(in_day);
}
