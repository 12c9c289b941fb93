use super::*;
use crate::dashboards::{parse, Param};
use chrono::TimeZone;
use std::path::Path;

const FILE: &str = "dashboards/faasight.toml";

/// A board whose one metrics panel has `kind` on line 5 and `metric` on
/// line 6, followed by `extra` lines.
fn board(extra: &str) -> String {
    format!(
        "title = \"faasight\"\n\
         \n\
         [[panel]]\n\
         title = \"Latency\"\n\
         kind = \"metrics\"\n\
         metric = \"http.server.request.duration\"\n\
         {extra}"
    )
}

fn error(text: &str) -> String {
    parse(Path::new(FILE), text).unwrap_err().to_string()
}

#[test]
fn a_metrics_panel_is_read_with_its_options() {
    let text = board(
        "aggregate = \"p95\"\n\
         group_by = [\"http.route\", \"service.name\"]\n\
         service = \"faasight-collector\"\n\
         where = { \"http.request.method\" = \"POST\", \"http.response.status_code\" = 200 }\n\
         unit = \"s\"\n",
    );
    let board = parse(Path::new(FILE), &text).unwrap();
    let panel = &board.panels[0];
    assert_eq!(panel.kind, crate::dashboards::PanelKind::Metrics);
    assert_eq!(panel.line, 6);
    assert_eq!(panel.unit, "s");
    assert_eq!(panel.sql, "");
    assert_eq!(
        panel.metric,
        Some(MetricQuery {
            metric: "http.server.request.duration".into(),
            aggregate: Aggregate::Quantile(95.0),
            group_by: vec!["http.route".into(), "service.name".into()],
            service: Some("faasight-collector".into()),
            filters: vec![
                ("http.request.method".into(), "POST".into()),
                ("http.response.status_code".into(), "200".into()),
            ],
        })
    );
    // Only the metric and the aggregate are needed.
    let board = parse(Path::new(FILE), &board_min("rate")).unwrap();
    let m = board.panels[0].metric.as_ref().unwrap();
    assert_eq!(
        (m.aggregate, m.group_by.len(), &m.service, m.filters.len()),
        (Aggregate::Rate, 0, &None, 0)
    );
}

fn board_min(aggregate: &str) -> String {
    board(&format!("aggregate = \"{aggregate}\"\n"))
}

#[test]
fn aggregates_by_name() {
    for (name, a) in [
        ("p50", Aggregate::Quantile(50.0)),
        ("p99.9", Aggregate::Quantile(99.9)),
        ("rate", Aggregate::Rate),
        ("increase", Aggregate::Increase),
        ("avg", Aggregate::Avg),
        ("last", Aggregate::Last),
        ("max", Aggregate::Max),
        ("min", Aggregate::Min),
    ] {
        assert_eq!(Aggregate::from_name(name), Some(a), "{name}");
        assert_eq!(a.name(), name);
    }
    for bad in ["p0", "p100", "p", "p-5", "p1e1", "P95", "median", "sum", ""] {
        assert_eq!(Aggregate::from_name(bad), None, "{bad}");
    }
}

#[test]
fn mistakes_name_the_field_and_its_line() {
    for (text, message) in [
        (
            board("aggregate = \"median\"\n"),
            format!(
                "{FILE}:7: panel \"Latency\" has aggregate \"median\"; the aggregates are {}",
                Aggregate::NAMES
            ),
        ),
        (
            board(""),
            format!(
                "{FILE}:5: panel \"Latency\" charts metric \"http.server.request.duration\" \
                 without an aggregate; add aggregate = one of {}",
                Aggregate::NAMES
            ),
        ),
        (
            board("aggregate = \"rate\"\nsql = \"SELECT 1 FROM t WHERE tenant = {tenant}\"\n"),
            format!(
                "{FILE}:8: panel \"Latency\" has both `sql` and `metric`; a panel either runs \
                 its SQL (kinds line, bar, table, stat) or charts a metric (kind \"metrics\"), \
                 not both"
            ),
        ),
        (
            board("aggregate = \"rate\"\n").replace(
                "metric = \"http.server.request.duration\"\n",
                "sql = \"SELECT 1 FROM t WHERE tenant = {tenant}\"\n",
            ),
            format!(
                "{FILE}:6: panel \"Latency\" is a metrics panel, which makes its query from \
                 `metric`; remove `sql`, or give the panel a kind that runs SQL (line, bar, \
                 table, stat)"
            ),
        ),
        (
            board("").replace("metric = \"http.server.request.duration\"\n", ""),
            format!(
                "{FILE}:5: panel \"Latency\" is a metrics panel without a `metric`; name the \
                 OpenTelemetry metric to chart, e.g. metric = \"http.server.request.duration\""
            ),
        ),
        (
            board("aggregate = \"rate\"\n").replace("kind = \"metrics\"", "kind = \"line\""),
            format!(
                "{FILE}:6: panel \"Latency\" has `metric`, which only a metrics panel has; set \
                 kind = \"metrics\" to chart a metric"
            ),
        ),
        (
            board("").replace(
                "kind = \"metrics\"\nmetric = \"http.server.request.duration\"\n",
                "kind = \"bar\"\n",
            ),
            format!("{FILE}:5: panel \"Latency\" has no `sql`; a bar panel runs one SELECT"),
        ),
        (
            board("aggregate = \"rate\"\n").replace("\"http.server.request.duration\"", "\" \""),
            format!("{FILE}:6: panel \"Latency\" has an empty metric"),
        ),
        (
            board("aggregate = \"rate\"\ngroup_by = [\"a\", \"a\"]\n"),
            format!("{FILE}:8: panel \"Latency\" has \"a\" twice in group_by"),
        ),
        (
            board("aggregate = \"rate\"\ngroup_by = [\"\"]\n"),
            format!("{FILE}:8: panel \"Latency\" has an empty key in group_by"),
        ),
        (
            board("aggregate = \"rate\"\nservice = \"\"\n"),
            format!(
                "{FILE}:8: panel \"Latency\" has an empty service; remove the key to chart every \
                 service"
            ),
        ),
        (
            board("aggregate = \"rate\"\nwhere = { \"\" = \"x\" }\n"),
            format!("{FILE}:8: panel \"Latency\" has an empty attribute key in where"),
        ),
        (
            board("aggregate = \"rate\"\nwhere = { a = [1] }\n"),
            format!("{FILE}:8: data did not match any variant of untagged enum Scalar"),
        ),
    ] {
        assert_eq!(error(&text), message, "{text}");
    }
}

#[test]
fn the_query_binds_every_value_from_the_file() {
    let m = MetricQuery {
        metric: "http.server.request.duration".into(),
        aggregate: Aggregate::Quantile(95.0),
        group_by: vec!["http.route".into()],
        service: Some("faasight-collector".into()),
        filters: vec![("http.request.method".into(), "POST".into())],
    };
    let bound = m.bound();
    let text = |s: &str| Param::Text(s.into());
    assert_eq!(
        bound.params,
        vec![
            text("http.route"),
            Param::Step,
            Param::From,
            Param::Step,
            Param::Tenant,
            text("http.server.request.duration"),
            Param::From,
            Param::Step,
            Param::To,
            text("faasight-collector"),
            text("http.request.method"),
            text("POST"),
        ]
    );
    assert_eq!(bound.sql.matches('?').count(), bound.params.len());
    assert!(
        bound.sql.contains("\n  AND service_name = ?\n"),
        "{}",
        bound.sql
    );
    assert!(
        bound
            .sql
            .contains("[toString(?)]) = [toString(?)]\nGROUP BY"),
        "{}",
        bound.sql
    );
    // No file text in the SQL itself, nor braces a panel's check refuses.
    assert!(!bound.sql.contains("http.route") && !bound.sql.contains('{'));
    // Every column the row type reads, in its order.
    let select = &bound.sql[..bound.sql.find("\nFROM metrics").unwrap()];
    let aliases: Vec<&str> = select
        .lines()
        .filter_map(|l| l.trim_end_matches(',').rsplit_once(" AS "))
        .map(|(_, alias)| alias)
        .collect();
    let expected: Vec<&str> = COLUMNS.iter().map(|c| c.0).collect();
    assert_eq!(aliases, expected);

    // Without options: no group values, no service or attribute filter.
    let plain = MetricQuery {
        group_by: vec![],
        service: None,
        filters: vec![],
        ..m
    }
    .bound();
    assert!(plain.sql.contains("emptyArrayString() AS group_values"));
    assert!(!plain.sql.contains("service_name = ?") && !plain.sql.contains("arrayMap"));
    assert_eq!(plain.params.len(), 8);
}

#[test]
fn steps_give_at_most_200_points() {
    let at = |h: i64| Utc.timestamp_opt(1_767_225_600 + h * 3600, 0).unwrap();
    let from = at(0);
    for (hours, step) in [
        (1, 60),
        (3, 60),
        (4, 120),
        (24, 600),
        (24 * 7, 3600),
        (24 * 30, 21_600),
        (24 * 90, 43_200),
        (24 * 400, 172_800),
    ] {
        let s = step_seconds(from, at(hours));
        assert_eq!(s, step, "{hours} h");
        assert!(hours * 3600 / i64::from(s) <= 200);
    }
}

#[test]
fn units_follow_the_metric_and_the_aggregate() {
    let p95 = Aggregate::Quantile(95.0);
    assert_eq!(display_unit("s", "histogram", p95), "s");
    assert_eq!(display_unit("s", "histogram", Aggregate::Rate), "/s");
    assert_eq!(display_unit("s", "histogram", Aggregate::Increase), "");
    assert_eq!(display_unit("{record}", "sum", Aggregate::Rate), "record/s");
    assert_eq!(
        display_unit("{record}", "sum", Aggregate::Increase),
        "record"
    );
    assert_eq!(display_unit("1", "gauge", Aggregate::Last), "");
    assert_eq!(display_unit("By", "gauge", Aggregate::Max), "By");
}

#[test]
fn groups_become_the_columns_of_a_line_panel() {
    let m = MetricQuery {
        metric: "m".into(),
        aggregate: Aggregate::Rate,
        group_by: vec!["http.route".into(), "http.request.method".into()],
        service: None,
        filters: vec![],
    };
    let from = Utc.timestamp_opt(1_767_225_600, 0).unwrap();
    let grouped = series::Grouped::from([
        (
            vec!["/v1/traces".to_string(), "POST".to_string()],
            BTreeMap::from([(1, 0.5), (3, 1.5)]),
        ),
        (
            vec![String::new(), "GET".to_string()],
            BTreeMap::from([(2, 2.0)]),
        ),
    ]);
    let data = shape(&m, grouped, from, 600);
    let names: Vec<&str> = data.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["time", "(none), GET", "/v1/traces, POST"]);
    assert!(data.columns[0].is_time() && data.columns[1].is_numeric());
    use serde_json::json;
    assert_eq!(
        data.rows,
        vec![
            vec![json!("2026-01-01 00:00:00"), json!(null), json!(0.5)],
            vec![json!("2026-01-01 00:10:00"), json!(2.0), json!(null)],
            vec![json!("2026-01-01 00:20:00"), json!(null), json!(1.5)],
        ]
    );
    assert_eq!(data.note, None);

    // Without group_by, the line is named after the aggregate; past
    // MAX_LINES groups, the largest are kept and a note says so.
    let many: series::Grouped = (0..MAX_LINES + 3)
        .map(|i| (vec![format!("g{i:02}")], BTreeMap::from([(1, i as f64)])))
        .collect();
    let data = shape(&m, many, from, 600);
    assert_eq!(data.columns.len(), MAX_LINES + 1);
    assert_eq!(data.columns[1].name, "g03");
    assert_eq!(
        data.note.as_deref(),
        Some("Only the 12 largest of 15 groups are drawn.")
    );
    let single = MetricQuery {
        group_by: vec![],
        ..m
    };
    assert_eq!(label(&single, &[]), "rate");
}

/// The SQL of every shipped metrics panel, with the values
/// `tests/chdb_check.py` binds to the other panels' placeholders (tenant
/// `default`, January 2026), as `tests/fixtures/metrics_panels.json`:
/// the script runs each on the current ClickHouse engine (chDB) and
/// checks the columns against [`COLUMNS`]. A changed query or board
/// changes the file: regenerate it with
/// `FAASIGHT_UPDATE_FIXTURES=1 cargo test -p faasight-store metrics_panels_fixture`.
#[test]
fn metrics_panels_fixture_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let from = Utc.timestamp_opt(1_767_225_600, 0).unwrap();
    let to = Utc.timestamp_opt(1_769_904_000, 0).unwrap();
    let mut panels = Vec::new();
    for board in crate::dashboards::load_dir(&root.join("dashboards")) {
        let board = board.unwrap();
        for panel in board.panels.iter().filter(|p| p.metric.is_some()) {
            let bound = panel.bound();
            let mut sql = String::new();
            for (i, part) in bound.sql.split('?').enumerate() {
                if let Some(param) = i.checked_sub(1).map(|k| &bound.params[k]) {
                    let value = param.value("default", from, to);
                    sql.push_str(&match param {
                        Param::Tenant | Param::Text(_) => {
                            format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
                        }
                        _ => value,
                    });
                }
                sql.push_str(part);
            }
            panels.push(serde_json::json!({
                "where": format!(
                    "dashboards/{}.toml:{} ({})",
                    board.slug, panel.line, panel.title
                ),
                "sql": sql,
            }));
        }
    }
    assert!(!panels.is_empty(), "no metrics panel is shipped");
    let fixture = serde_json::to_string_pretty(&serde_json::json!({
        "about": "Generated by faasight-store's metrics_panels_fixture_is_current test: \
                  the shipped metrics panels' SQL, run by tests/chdb_check.py.",
        "columns": COLUMNS.iter().map(|(n, t)| format!("{n} {t}")).collect::<Vec<_>>(),
        "panels": panels,
    }))
    .unwrap()
        + "\n";
    let path = root.join("tests/fixtures/metrics_panels.json");
    if std::env::var_os("FAASIGHT_UPDATE_FIXTURES").is_some() {
        std::fs::write(&path, &fixture).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == fixture,
        "{} is not what the shipped metrics panels make; regenerate it with \
         FAASIGHT_UPDATE_FIXTURES=1 cargo test -p faasight-store metrics_panels_fixture",
        path.display()
    );
}
