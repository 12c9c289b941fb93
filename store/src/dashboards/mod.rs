//! Dashboards as code: the TOML files in `dashboards/`, one per page of
//! the web UI.
//!
//! A board is a title, a one-sentence description and a list of panels; a
//! panel is a chart kind, a unit and one SELECT. Keeping boards in files
//! means they are reviewed, versioned and tested like the rest of the
//! code, and this module is the one gate they pass through: it parses a
//! file, refuses anything it would not run (naming the file and line, so
//! a typo is found at startup or in CI rather than on a blank chart), and
//! runs a panel's query with the viewer's tenant and time range bound as
//! parameters, never pasted into the text.
//!
//! ```toml
//! title = "Cold starts by runtime"
//! description = "How often and how long each runtime pays for a cold start."
//!
//! [[panel]]
//! title = "Cold-start rate by runtime"
//! kind = "bar"   # line (x is a time), bar (x is a label), table, stat (one number), metrics (no sql)
//! unit = "%"
//! sql = """
//! SELECT runtime, 100 * countIf(start_type IN ('cold', 'snapstart')) / count() AS cold_start_rate
//! FROM invocations
//! WHERE tenant = {tenant} AND start_time >= {from} AND start_time < {to}
//! GROUP BY runtime ORDER BY cold_start_rate DESC
//! """
//! ```
//!
//! How a panel's rows are drawn: for `line` and `bar` the first column is
//! the x axis and every later numeric column is a series named by its
//! alias; `table` shows every column; `stat` shows the first column of the
//! first row. The SQL must work on ClickHouse 18.16 and on current
//! releases (`tests/chdb_check.py` runs every panel on the latter).
//!
//! A `metrics` panel has no SQL: it names an OpenTelemetry metric and an
//! aggregate (`metric = "http.server.request.duration"`, `aggregate =
//! "p95"`, optional `group_by`, `service`, `where`), faasight makes the
//! query and does the arithmetic of counters and histograms, and the
//! result comes back shaped like a line panel's rows (see [`metrics`]).
//!
//! Files are trusted code, reviewed like any other: the checks here catch
//! mistakes (a panel that forgot its tenant filter, a stray `;`), they do
//! not sandbox a hostile author. What a panel may read is bounded at run
//! time by the server's user (read-only for the web UI), a row limit and a
//! time limit.

pub mod metrics;
mod run;
mod sql;

pub use metrics::{Aggregate, MetricQuery};
pub use run::{number, run_panel, Column, PanelData, MAX_EXECUTION_SECONDS, MAX_ROWS};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One dashboard page, parsed from one file and checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// The file's stem (`cold_starts` for `cold_starts.toml`): the page's
    /// address is `/dashboards/{slug}`, so a board keeps its URL for as
    /// long as its file keeps its name. Only `a-z`, `0-9`, `_` and `-`.
    pub slug: String,
    /// The file it was read from, for error messages and tooling.
    pub file: PathBuf,
    /// The page's heading; never empty.
    pub title: String,
    /// One sentence on the question the board answers (may be empty).
    pub description: String,
    /// The panels in file order, which is the order on the page.
    pub panels: Vec<Panel>,
}

/// One chart, table or number on a dashboard.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Panel {
    /// Shown above the panel; never empty.
    pub title: String,
    /// How the rows are drawn.
    pub kind: PanelKind,
    /// Unit of the values (`%`, `ms`, `USD`, `invocations`...), shown on
    /// axes and next to numbers; empty when the values have none.
    pub unit: String,
    /// The query as written in the file, placeholders included; see
    /// [`Panel::bound`] for what is sent to the server. Empty for a
    /// metrics panel, whose query is made from `metric`.
    pub sql: String,
    /// A metrics panel's metric and how to chart it (`None` for the other
    /// kinds).
    pub metric: Option<MetricQuery>,
    /// The line of the file where the panel's `sql` starts (a metrics
    /// panel's `metric`), so that a query the server rejects can be traced
    /// back to its file.
    pub line: usize,
}

/// How a panel draws its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PanelKind {
    /// A time series: the first column is a time (Date or DateTime), each
    /// later numeric column is a line named by its alias.
    Line,
    /// Bars: the first column is a label, each later numeric column is a
    /// series of bars named by its alias.
    Bar,
    /// Every column and row as a table.
    Table,
    /// One number: the first column of the first row.
    Stat,
    /// A time series of one OpenTelemetry metric, one line per group:
    /// declared by `metric`, `aggregate` and optional `group_by`,
    /// `service` and `where` instead of SQL (see [`metrics`]).
    Metrics,
}

impl PanelKind {
    /// Every kind, in the order the error messages list them.
    pub const ALL: [PanelKind; 5] = [
        PanelKind::Line,
        PanelKind::Bar,
        PanelKind::Table,
        PanelKind::Stat,
        PanelKind::Metrics,
    ];

    /// The name used in files (`line`, `bar`, `table`, `stat`, `metrics`).
    pub fn as_str(self) -> &'static str {
        match self {
            PanelKind::Line => "line",
            PanelKind::Bar => "bar",
            PanelKind::Table => "table",
            PanelKind::Stat => "stat",
            PanelKind::Metrics => "metrics",
        }
    }

    /// The kind named `name` in a file, if there is one.
    pub fn from_name(name: &str) -> Option<PanelKind> {
        PanelKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for PanelKind {
    /// The name used in files.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which value goes to a `?` of a [`BoundSql`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Param {
    /// The viewer's tenant, bound as a string (`{tenant}` in the file).
    Tenant,
    /// Start of the time range, inclusive, bound as epoch seconds inside
    /// `toDateTime(?)` (`{from}` in the file).
    From,
    /// End of the time range, exclusive, bound as epoch seconds inside
    /// `toDateTime(?)` (`{to}` in the file).
    To,
    /// A metrics panel's time step in seconds, chosen from the range
    /// ([`metrics::step_seconds`]), bound as a number.
    Step,
    /// A metrics panel's text from its file (metric name, service,
    /// attribute keys and values), bound as a string.
    Text(String),
}

/// A panel's query as sent to ClickHouse: the placeholders replaced by `?`
/// bind markers, whose values the client escapes and fills in, so a tenant
/// name can never change the query's meaning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoundSql {
    /// The SQL with `?` for `{tenant}` and `toDateTime(?)` for `{from}` and
    /// `{to}`, without a trailing `;`.
    pub sql: String,
    /// What to bind to each `?`, in order of appearance.
    pub params: Vec<Param>,
}

impl Panel {
    /// The query with its placeholders turned into bind markers, and the
    /// ordered list of values they take.
    ///
    /// Meant for panels that [`parse`] accepted. The SQL of a panel built
    /// by hand is not checked here (only placeholders outside strings and
    /// comments are replaced); [`run_panel`] checks it before running it.
    pub fn bound(&self) -> BoundSql {
        match &self.metric {
            Some(m) => m.bound(),
            None => sql::bind(&self.sql),
        }
    }
}

/// Why a dashboard file was refused: which file, which line, what to fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardError {
    /// The file, as it was named to [`parse`] or found by [`load_dir`].
    pub file: PathBuf,
    /// The 1-based line the problem is on; `None` when it concerns the
    /// whole file (unreadable, badly named).
    pub line: Option<usize>,
    /// What is wrong, in words meant for whoever edits the file.
    pub message: String,
}

impl fmt::Display for DashboardError {
    /// `file:line: message`, the form editors and CI logs link to (or
    /// `file: message` without a line).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file.display(), self.message),
            None => write!(f, "{}: {}", self.file.display(), self.message),
        }
    }
}

impl std::error::Error for DashboardError {}

/// The file's shape, before the checks serde cannot express. Unknown keys
/// are errors: a misspelt `untis` silently ignored would be a missing unit.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDashboard {
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default, rename = "panel")]
    panels: Vec<RawPanel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPanel {
    title: Spanned<String>,
    kind: Spanned<String>,
    #[serde(default)]
    unit: String,
    sql: Option<Spanned<String>>,
    metric: Option<Spanned<String>>,
    aggregate: Option<Spanned<String>>,
    group_by: Option<Spanned<Vec<String>>>,
    service: Option<Spanned<String>>,
    #[serde(rename = "where")]
    filters: Option<Spanned<BTreeMap<String, metrics::Scalar>>>,
}

/// Parses and checks one dashboard file; `file` names it in errors and
/// gives the slug (its stem). The first problem found is returned.
pub fn parse(file: &Path, text: &str) -> Result<Dashboard, DashboardError> {
    let error = |line: Option<usize>, message: String| DashboardError {
        file: file.to_path_buf(),
        line,
        message,
    };
    let at = |offset: usize| Some(line_of(text, offset));

    let slug = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default()
        .to_string();
    if slug.is_empty()
        || !slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    {
        return Err(error(
            None,
            format!(
                "the file name {slug:?} is not a valid dashboard name: it becomes the page's \
                 URL, so use only lowercase letters, digits, '_' and '-'"
            ),
        ));
    }

    let raw: RawDashboard = toml::from_str(text).map_err(|e| {
        error(
            e.span().and_then(|s| at(s.start)),
            e.message().trim_end().to_string(),
        )
    })?;

    let title_line = at(raw.title.span().start);
    let title = raw.title.into_inner();
    if title.trim().is_empty() {
        return Err(error(title_line, "the dashboard's title is empty".into()));
    }
    if raw.panels.is_empty() {
        return Err(error(
            title_line,
            format!("dashboard {title:?} has no panels; add at least one [[panel]] table"),
        ));
    }

    let mut panels = Vec::with_capacity(raw.panels.len());
    for (index, p) in raw.panels.into_iter().enumerate() {
        let name = p.title.get_ref().clone();
        if name.trim().is_empty() {
            return Err(error(
                at(p.title.span().start),
                format!("panel {} has an empty title", index + 1),
            ));
        }
        let kind = PanelKind::from_name(p.kind.get_ref()).ok_or_else(|| {
            let kinds: Vec<&str> = PanelKind::ALL.iter().map(|k| k.as_str()).collect();
            error(
                at(p.kind.span().start),
                format!(
                    "panel {name:?} has kind {:?}; the kinds are {}",
                    p.kind.get_ref(),
                    kinds.join(", ")
                ),
            )
        })?;
        let kind_at = p.kind.span().start;
        // The keys only a metrics panel has, with where they are.
        let metric_keys = [
            ("metric", p.metric.as_ref().map(|v| v.span().start)),
            ("aggregate", p.aggregate.as_ref().map(|v| v.span().start)),
            ("group_by", p.group_by.as_ref().map(|v| v.span().start)),
            ("service", p.service.as_ref().map(|v| v.span().start)),
            ("where", p.filters.as_ref().map(|v| v.span().start)),
        ];
        if let (Some(sql), Some(_)) = (&p.sql, &p.metric) {
            return Err(error(
                at(sql.span().start),
                format!(
                    "panel {name:?} has both `sql` and `metric`; a panel either runs its SQL \
                     (kinds line, bar, table, stat) or charts a metric (kind \"metrics\"), \
                     not both"
                ),
            ));
        }
        if kind == PanelKind::Metrics {
            if let Some(sql) = &p.sql {
                return Err(error(
                    at(sql.span().start),
                    format!(
                        "panel {name:?} is a metrics panel, which makes its query from \
                         `metric`; remove `sql`, or give the panel a kind that runs SQL \
                         (line, bar, table, stat)"
                    ),
                ));
            }
            let Some(metric) = p.metric else {
                return Err(error(
                    at(kind_at),
                    format!(
                        "panel {name:?} is a metrics panel without a `metric`; name the \
                         OpenTelemetry metric to chart, e.g. metric = \
                         \"http.server.request.duration\""
                    ),
                ));
            };
            let line = line_of(text, metric.span().start);
            let raw = metrics::RawMetric {
                metric,
                aggregate: p.aggregate,
                group_by: p.group_by,
                service: p.service,
                filters: p.filters,
            };
            let query = raw.check(kind_at).map_err(|(offset, problem)| {
                error(at(offset), format!("panel {name:?} {problem}"))
            })?;
            panels.push(Panel {
                title: name,
                kind,
                unit: p.unit,
                sql: String::new(),
                metric: Some(query),
                line,
            });
            continue;
        }
        if let Some((key, Some(offset))) = metric_keys.iter().find(|(_, o)| o.is_some()) {
            return Err(error(
                at(*offset),
                format!(
                    "panel {name:?} has `{key}`, which only a metrics panel has; set kind = \
                     \"metrics\" to chart a metric"
                ),
            ));
        }
        let Some(sql) = p.sql else {
            return Err(error(
                at(kind_at),
                format!("panel {name:?} has no `sql`; a {kind} panel runs one SELECT"),
            ));
        };
        let line = line_of(text, sql.span().start);
        let sql = sql.into_inner();
        if sql.trim().is_empty() {
            return Err(error(
                Some(line),
                format!("panel {name:?} has an empty sql"),
            ));
        }
        if let Err(problem) = sql::check(&sql) {
            return Err(error(Some(line), format!("panel {name:?} {problem}")));
        }
        panels.push(Panel {
            title: name,
            kind,
            unit: p.unit,
            sql,
            metric: None,
            line,
        });
    }

    Ok(Dashboard {
        slug,
        file: file.to_path_buf(),
        title,
        description: raw.description,
        panels,
    })
}

/// Every `*.toml` file of `dir`, sorted by file name (the order of the
/// boards in the UI's menu), each parsed or refused. A file that cannot be
/// read, or a directory that cannot be listed, is an error entry: one bad
/// board must not take the others (or the server) down.
pub fn load_dir(dir: &Path) -> Vec<Result<Dashboard, DashboardError>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            return vec![Err(DashboardError {
                file: dir.to_path_buf(),
                line: None,
                message: format!("cannot list the dashboards directory: {e}"),
            })]
        }
    };
    let mut files = Vec::new();
    let mut results = Vec::new();
    for entry in entries {
        match entry {
            Ok(entry) => {
                let path = entry.path();
                if path.extension().is_some_and(|ext| ext == "toml") {
                    files.push(path);
                }
            }
            Err(e) => results.push(Err(DashboardError {
                file: dir.to_path_buf(),
                line: None,
                message: format!("cannot list the dashboards directory: {e}"),
            })),
        }
    }
    files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for file in files {
        results.push(match std::fs::read_to_string(&file) {
            Ok(text) => parse(&file, &text),
            Err(e) => Err(DashboardError {
                file,
                line: None,
                message: format!("cannot read the file: {e}"),
            }),
        });
    }
    results
}

/// The problems of every dashboard file in `dir` (empty when all are
/// fine): for a check at startup or in CI that reports every bad file at
/// once.
pub fn check_dir(dir: &Path) -> Vec<DashboardError> {
    load_dir(dir).into_iter().filter_map(Result::err).collect()
}

/// The 1-based line holding byte `offset` of `text`.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "dashboards/cold_starts.toml";

    /// A board whose one panel has `kind` on line 6 and `sql` from line 8.
    fn board(kind: &str, sql: &str) -> String {
        format!(
            "title = \"Cold starts\"\n\
             description = \"Which runtimes start cold.\"\n\
             \n\
             [[panel]]\n\
             title = \"Rate by runtime\"\n\
             kind = \"{kind}\"\n\
             unit = \"%\"\n\
             sql = \"\"\"\n{sql}\n\"\"\"\n"
        )
    }

    fn error(text: &str) -> String {
        parse(Path::new(FILE), text).unwrap_err().to_string()
    }

    const GOOD_SQL: &str = "SELECT runtime, count() AS n\n\
        FROM invocations\n\
        WHERE tenant = {tenant} AND start_time >= {from} AND start_time < {to}\n\
        GROUP BY runtime;";

    #[test]
    fn parses_a_board_and_binds_its_placeholders() {
        let board = parse(Path::new(FILE), &board("bar", GOOD_SQL)).unwrap();
        assert_eq!(board.slug, "cold_starts");
        assert_eq!(board.file, Path::new(FILE));
        assert_eq!(board.title, "Cold starts");
        assert_eq!(board.description, "Which runtimes start cold.");
        assert_eq!(
            board.panels,
            [Panel {
                title: "Rate by runtime".into(),
                kind: PanelKind::Bar,
                unit: "%".into(),
                sql: format!("{GOOD_SQL}\n"),
                metric: None,
                line: 8,
            }]
        );
        assert_eq!(
            board.panels[0].bound(),
            BoundSql {
                sql: "SELECT runtime, count() AS n\n\
                      FROM invocations\n\
                      WHERE tenant = ? AND start_time >= toDateTime(?) AND start_time < toDateTime(?)\n\
                      GROUP BY runtime"
                    .into(),
                params: vec![Param::Tenant, Param::From, Param::To],
            }
        );
    }

    #[test]
    fn every_kind_is_read_and_unit_and_description_are_optional() {
        for kind in PanelKind::ALL {
            if kind == PanelKind::Metrics {
                continue; // no SQL: see metrics/tests.rs
            }
            let text = board(kind.as_str(), GOOD_SQL)
                .replace("unit = \"%\"\n", "")
                .replace("description = \"Which runtimes start cold.\"\n", "");
            let board = parse(Path::new(FILE), &text).unwrap();
            assert_eq!(board.panels[0].kind, kind);
            assert_eq!(board.panels[0].unit, "");
            assert_eq!(board.panels[0].line, 6);
            assert_eq!(board.description, "");
        }
    }

    #[test]
    fn toml_errors_name_the_line_of_their_span() {
        assert_eq!(
            error("title = \"Cold starts\"\ncolour = \"red\"\n"),
            "dashboards/cold_starts.toml:2: unknown field `colour`, expected one of `title`, \
             `description`, `panel`"
        );
        assert_eq!(
            error(&board("bar", GOOD_SQL).replace("unit = ", "untis = ")),
            "dashboards/cold_starts.toml:7: unknown field `untis`, expected one of `title`, \
             `kind`, `unit`, `sql`, `metric`, `aggregate`, `group_by`, `service`, `where`"
        );
        assert_eq!(
            error("title = \"Cold starts\"\n\n[[panel]]\ntitle = \"x\n"),
            "dashboards/cold_starts.toml:4: invalid basic string, expected `\"`"
        );
        assert_eq!(
            error("title = \"Cold starts\"\n\n[[panel]]\ntitle = \"x\"\nkind = \"bar\"\n"),
            "dashboards/cold_starts.toml:5: panel \"x\" has no `sql`; a bar panel runs one SELECT"
        );
        assert_eq!(
            error("title = \"Cold starts\"\n\n[[panel]]\ntitle = \"x\"\nkind = 3\nsql = \"\"\n"),
            "dashboards/cold_starts.toml:5: invalid type: integer `3`, expected a string"
        );
    }

    #[test]
    fn board_level_problems() {
        assert_eq!(
            error(&board("bar", GOOD_SQL).replace("title = \"Cold starts\"", "title = \" \"")),
            "dashboards/cold_starts.toml:1: the dashboard's title is empty"
        );
        assert_eq!(
            error("\ntitle = \"Cold starts\"\ndescription = \"Nothing yet.\"\n"),
            "dashboards/cold_starts.toml:2: dashboard \"Cold starts\" has no panels; add at \
             least one [[panel]] table"
        );
        assert_eq!(
            parse(
                Path::new("dashboards/Cold Starts.toml"),
                &board("bar", GOOD_SQL)
            )
            .unwrap_err()
            .to_string(),
            "dashboards/Cold Starts.toml: the file name \"Cold Starts\" is not a valid \
             dashboard name: it becomes the page's URL, so use only lowercase letters, \
             digits, '_' and '-'"
        );
    }

    #[test]
    fn panel_problems_name_the_line_of_their_key() {
        assert_eq!(
            error(&board("pie", GOOD_SQL)),
            "dashboards/cold_starts.toml:6: panel \"Rate by runtime\" has kind \"pie\"; the \
             kinds are line, bar, table, stat, metrics"
        );
        assert_eq!(
            error(&board("bar", GOOD_SQL).replace("\"Rate by runtime\"", "\"\"")),
            "dashboards/cold_starts.toml:5: panel 1 has an empty title"
        );
        assert_eq!(
            error(&board("bar", "  \n")),
            "dashboards/cold_starts.toml:8: panel \"Rate by runtime\" has an empty sql"
        );
        // The second panel's error is on the second panel's line.
        let two = format!(
            "{}\n[[panel]]\ntitle = \"Hourly\"\nkind = \"line\"\nsql = '''\n\
             SELECT 1 FROM invocations WHERE start_time >= {{from}}'''\n",
            board("bar", GOOD_SQL)
        );
        assert_eq!(
            error(&two),
            "dashboards/cold_starts.toml:18: panel \"Hourly\" does not use {tenant} in its \
             SQL; every panel must be limited to the viewer's tenant, e.g. WHERE tenant = \
             {tenant}"
        );
    }

    #[test]
    fn sql_problems_name_the_line_where_the_sql_starts() {
        let scoped = "FROM invocations WHERE tenant = {tenant}";
        for (sql, message) in [
            (
                format!("SELECT count() {scoped} AND function = {{function}}"),
                "uses the unknown placeholder {function}; the placeholders are {tenant}, \
                 {from} and {to}",
            ),
            (
                format!("SELECT count() {scoped} AND x = {{ 1 }}"),
                "has a '{' that does not start a placeholder; braces may only appear in \
                 {tenant}, {from} and {to}",
            ),
            (
                format!("SELECT map() {scoped} AND y = 'a}}'"),
                "has a brace inside a string literal in its SQL; placeholders are bound only \
                 in code, and braces may appear nowhere else",
            ),
            (
                format!("SELECT count() {scoped} AND function = 'what?'"),
                "has a literal '?' in its SQL; '?' marks bound parameters, so write the \
                 placeholders {tenant}, {from}, {to} instead, and avoid '?' in strings and \
                 comments too",
            ),
            (
                format!("SELECT count() {scoped};\nSELECT 1"),
                "has more than one statement in its SQL; a panel runs one query (a single \
                 trailing ';' is allowed)",
            ),
            (
                format!("-- first a comment\nSHOW TABLES {scoped}"),
                "does not start with SELECT or WITH; a panel's SQL is one read-only query",
            ),
            (
                format!("SELECT count() {scoped}\nFORMAT CSV"),
                "has a FORMAT clause in its SQL; faasight chooses the output format, remove \
                 the clause",
            ),
            (
                format!("SELECT count() {scoped}\nSETTINGS max_threads = 1"),
                "has a SETTINGS clause in its SQL; faasight sets the limits of dashboard \
                 queries (rows, time), remove the clause",
            ),
            (
                format!("SELECT count() {scoped}\nINTO OUTFILE 'x.csv'"),
                "has an INTO OUTFILE clause in its SQL; panels only return rows to the page",
            ),
            (
                "SELECT count() FROM invocations WHERE start_time >= {from}".to_string(),
                "does not use {tenant} in its SQL; every panel must be limited to the \
                 viewer's tenant, e.g. WHERE tenant = {tenant}",
            ),
        ] {
            assert_eq!(
                error(&board("stat", &sql)),
                format!("dashboards/cold_starts.toml:8: panel \"Rate by runtime\" {message}"),
                "{sql}"
            );
        }
    }

    #[test]
    fn load_dir_reads_every_toml_file_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b_good.toml"), board("bar", GOOD_SQL)).unwrap();
        std::fs::write(dir.path().join("a_bad.toml"), board("pie", GOOD_SQL)).unwrap();
        std::fs::write(dir.path().join("notes.md"), "not a board").unwrap();
        // A directory with a .toml name cannot be read as a file.
        std::fs::create_dir(dir.path().join("c_unreadable.toml")).unwrap();

        let loaded = load_dir(dir.path());
        assert_eq!(loaded.len(), 3);
        let a = loaded[0].as_ref().unwrap_err();
        assert_eq!(a.file, dir.path().join("a_bad.toml"));
        assert_eq!(a.line, Some(6));
        assert_eq!(loaded[1].as_ref().unwrap().slug, "b_good");
        let c = loaded[2].as_ref().unwrap_err();
        assert_eq!(c.file, dir.path().join("c_unreadable.toml"));
        assert_eq!(c.line, None);
        assert!(c.message.starts_with("cannot read the file: "), "{c}");

        let problems = check_dir(dir.path());
        assert_eq!(problems.len(), 2);
        assert_eq!(problems[0], *a);

        let missing = check_dir(&dir.path().join("nowhere"));
        assert_eq!(missing.len(), 1);
        assert!(missing[0]
            .message
            .starts_with("cannot list the dashboards directory"));
    }

    #[test]
    fn the_shipped_dashboards_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dashboards");
        let problems: Vec<String> = check_dir(&dir).iter().map(|e| e.to_string()).collect();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let boards: Vec<Dashboard> = load_dir(&dir).into_iter().map(Result::unwrap).collect();
        assert!(boards.len() >= 3, "only {} dashboards", boards.len());
        for board in &boards {
            assert!(
                !board.description.is_empty(),
                "{}: no description",
                board.slug
            );
            let mut titles = std::collections::HashSet::new();
            for panel in &board.panels {
                assert!(
                    !panel.unit.is_empty(),
                    "{}: {:?} has no unit",
                    board.slug,
                    panel.title
                );
                assert!(
                    titles.insert(&panel.title),
                    "{}: two panels {:?}",
                    board.slug,
                    panel.title
                );
                assert!(panel.bound().params.contains(&Param::Tenant));
            }
        }
    }
}
