//! Every migration and analyzer query runs on a current ClickHouse engine.

use std::process::Command;

#[test]
fn all_sql_is_accepted_by_current_clickhouse_via_chdb() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/chdb_check.py");
    let out = Command::new(super::common::python())
        .arg(script)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "chDB rejected faasight SQL (install chdb with `pip install chdb` if it is missing):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for m in faasight_store::migrations::MIGRATIONS {
        assert!(
            stdout.contains(&format!("ok   {}", m.name)),
            "{} not checked:\n{stdout}",
            m.name
        );
    }
    assert!(
        stdout.contains("ok   analyzer/src/queries/functions_summary.sql"),
        "{stdout}"
    );
    assert!(stdout.contains("statements accepted"), "{stdout}");
}
