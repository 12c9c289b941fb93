#!/usr/bin/env python3
"""Runs faasight's SQL on a current ClickHouse engine (chDB, in-process).

ClickHouse 18.16 is the only server that runs on the development machines,
while users run current releases, which are stricter in places. This script
applies every migration in migrations/ (split the way the Rust runner splits
them), inserts a few rows so that the rollup's materialized view fires, then
runs every query in the SQL files of analyzer/src/queries/ and
collector/src/pipeline/sql/ with the sample parameters named in its
`-- params:` header, and every SQL statement written as a string literal in
the Rust sources of store/, collector/ and src/ (placeholders filled from
SAMPLE_FILLS below; a placeholder it does not know fails the run, so new
SQL cannot slip past), and every panel of every dashboard in dashboards/
(placeholders filled as the Rust side binds them, under the limits the
Rust side sends; the rows must fit the panel's kind). Any statement the
engine rejects fails the run, naming the file and the statement.
"""
import glob
import json
import os
import re
import sys
import tempfile
import tomllib

import chdb
from chdb import session as chs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def statements(sql):
    """Mirror of faasight_store::migrations::split_statements."""
    out, current = [], []
    for line in sql.splitlines():
        if line.strip().startswith("--"):
            continue
        ends = line.strip().endswith(";")
        current.append(line.rstrip().rstrip(";"))
        if ends:
            text = "\n".join(current).strip()
            if text:
                out.append(text)
            current = []
    text = "\n".join(current).strip()
    if text:
        out.append(text)
    return out


def bind(sql, path):
    """Replaces each `?` with the next value of the file's `-- params:` line."""
    header = re.search(r"^-- params: (.*)$", sql, re.M)
    if not header:
        raise SystemExit(f"{path}: no '-- params:' line naming sample values for its placeholders")
    listed = header.group(1).strip()
    values = [] if listed == "none" else [p.split("=", 1)[1].strip() for p in listed.split(";")]
    body = "\n".join(l for l in sql.splitlines() if not l.strip().startswith("--"))
    parts = body.split("?")
    if len(parts) - 1 != len(values):
        raise SystemExit(f"{path}: {len(parts) - 1} placeholders but {len(values)} sample values")
    return "".join(p + (values[i] if i < len(values) else "") for i, p in enumerate(parts))


# Values for the `{placeholder}`s of SQL built with format! in Rust, and for
# the `?` of queries bound at run time.
SAMPLE_FILLS = {
    "{}": "chk_db",
    "{name}": "chk_db",
    "{t}": "invocations",
    "{table}": "invocations",
    "{literal}": "'2020-01-01'",
    "{column}": "start_time",
    "{days}": "36500",
}
# A statement: a keyword and more ("INSERT" alone is a span's operation name).
SQL_START = re.compile(r"^\s*(SELECT|INSERT|CREATE|ALTER|DROP)\s+\S")


def rust_sql_literals(path):
    """The SQL statements written as string literals in a Rust file: normal
    strings with `\\` line continuations joined, raw strings as they are."""
    text = open(path).read()
    # Statements the product runs, not the strings its unit tests feed it.
    text = text.split("#[cfg(test)]")[0]
    out = []
    for m in re.finditer(r'r#"(.*?)"#|"((?:[^"\\]|\\.)*)"', text, re.S):
        lit = m.group(1) if m.group(1) is not None else m.group(2)
        if m.group(1) is None:
            lit = re.sub(r"\\\n\s*", "", lit).replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t")
        if SQL_START.match(lit) and not lit.strip().endswith("{"):
            line = text.count("\n", 0, m.start()) + 1
            out.append((line, lit.strip()))
    return out


def fill(sql, where):
    for k, v in SAMPLE_FILLS.items():
        sql = sql.replace(k, v)
    unknown = re.findall(r"\{[A-Za-z_]*\}", sql)
    if unknown:
        raise SystemExit(f"FAIL {where}: unknown placeholder {unknown[0]} (add a sample to SAMPLE_FILLS)")
    # '1' reads as a string and as a number, whichever the column wants.
    return sql.replace("?", "'1'")


# Dashboard panels: `{tenant}` is bound as a string and `{from}`/`{to}` as
# epoch seconds inside toDateTime(?) (faasight_store::dashboards); chDB has
# no bind step, so the values are written in. The settings are the limits
# `run_panel` sends with every panel query (MAX_ROWS + 1 rows, then break;
# MAX_EXECUTION_SECONDS): running them here proves current servers know them.
DASHBOARD_FILLS = {
    "{tenant}": "'default'",
    "{from}": "toDateTime(1767225600)",
    "{to}": "toDateTime(1769904000)",
}
DASHBOARD_SETTINGS = "SETTINGS max_result_rows = 10001, result_overflow_mode = 'break', max_execution_time = 30"


def column_base_type(t):
    """`Nullable(T)` and `LowCardinality(T)` as T."""
    while True:
        m = re.match(r"^(?:Nullable|LowCardinality)\((.*)\)$", t)
        if not m:
            return t
        t = m.group(1)


def is_numeric(t):
    return re.match(r"^(U?Int\d+|Float\d+|Decimal)", column_base_type(t)) is not None


def is_time(t):
    return re.match(r"^(Date|DateTime)(\(|$)", column_base_type(t)) is not None


def dashboard_panels(path):
    """(line of its `sql` key, panel) for each [[panel]] of a dashboard file
    that has SQL (metrics panels have none: see METRICS_PANELS)."""
    text = open(path).read()
    board = tomllib.loads(text)
    lines = [i for i, l in enumerate(text.splitlines(), 1) if re.match(r"^\s*sql\s*=", l)]
    panels = [p for p in board.get("panel", []) if "sql" in p]
    if len(lines) != len(panels):
        raise SystemExit(f"FAIL {path}: {len(panels)} panels with SQL but {len(lines)} `sql =` lines")
    return list(zip(lines, panels))


# Metrics panels (kind = "metrics") have no SQL in their file: faasight makes
# it from the metric's name (faasight_store::dashboards::metrics). A store
# unit test writes the SQL of every shipped one, with the values of
# DASHBOARD_FILLS bound, to this file and fails when it is out of date.
METRICS_PANELS = os.path.join(ROOT, "tests", "fixtures", "metrics_panels.json")


def panel_shape_problem(kind, meta, data):
    """Why the rows do not fit the panel's kind (see dashboards/mod.rs), if they do not."""
    if not data:
        return "returned no rows for the sample data"
    series = [c for c in meta[1:] if is_numeric(c["type"])]
    if kind == "line" and not is_time(meta[0]["type"]):
        return f"is a line panel but its first column {meta[0]['name']} is {meta[0]['type']}, not a time"
    if kind in ("line", "bar") and not series:
        return f"is a {kind} panel without a numeric series column: {meta}"
    if kind == "stat" and not is_numeric(meta[0]["type"]):
        return f"is a stat panel but its first column {meta[0]['name']} is {meta[0]['type']}"
    return None


def main():
    done = 0
    with tempfile.TemporaryDirectory() as tmp:
        sess = chs.Session(tmp)
        for path in sorted(glob.glob(os.path.join(ROOT, "migrations", "*.sql"))):
            for i, stmt in enumerate(statements(open(path).read()), 1):
                try:
                    sess.query(stmt)
                except Exception as e:  # chDB raises its own error types
                    raise SystemExit(f"FAIL {os.path.basename(path)} statement {i}: {e}")
                done += 1
            print(f"ok   {os.path.basename(path)}")
        # A few rows through the materialized view, so queries aggregate real states.
        sess.query(
            "INSERT INTO invocations (tenant, provider, function, region, account, start_time, start_time_ms, "
            "duration_ms, billed_duration_ms, init_duration_ms, start_type, status, cost_usd, trace_id, request_id) VALUES "
            "('default', 'aws_lambda', 'f', 'us-east-1', '1', toDateTime(1767230000), 1767230000000, 12.5, 13, 250.5, 'cold', 'success', 0.000000416667, '0af7651916cd43dd8448eb211c80319c', 'r1'), "
            "('default', 'aws_lambda', 'f', 'us-east-1', '1', toDateTime(1767230100), 1767230100000, 20.0, 20, 0, 'warm', 'error', 0.000000533334, '', 'r2')"
        )
        # A span and a log record of the first invocation, for the trace
        # and log queries.
        sess.query(
            "INSERT INTO spans (tenant, timestamp, start_time_unix_nano, end_time_unix_nano, duration_ns, "
            "trace_id, span_id, parent_span_id, name, kind, status_code, service_name) VALUES "
            "('default', toDateTime(1767230000), 1767230000000000000, 1767230000012500000, 12500000, "
            "'0af7651916cd43dd8448eb211c80319c', 'b7ad6b7169203331', '', 'GET /checkout', 2, 0, 'f')"
        )
        # A traced request of a function calling another, with a loop of
        # four same-named calls, for the insight queries.
        res = ("['cloud.provider', 'cloud.platform', 'cloud.account.id', 'cloud.region', 'faas.name'], "
               "['aws', 'aws_lambda', '1', 'us-east-1', '{}']")
        t0 = 1767230000000000000
        ms = 1000000
        spans = [
            ("s1", "", "GET /x", 2, 0, 100, "f", "['faas.invocation_id', 'http.route']", "['r1', '/x']"),
            ("c1", "s1", "Invoke", 3, 10, 60, "f", "['faas.invoked_name']", "['g']"),
            ("s2", "c1", "g", 2, 15, 55, "g", "[]", "[]"),
        ] + [(f"l{i}", "s1", "GET", 3, 60 + 10 * i, 70 + 10 * i, "f", "[]", "[]") for i in range(4)]
        sess.query(
            "INSERT INTO spans (tenant, timestamp, start_time_unix_nano, end_time_unix_nano, duration_ns, "
            "trace_id, span_id, parent_span_id, name, kind, status_code, service_name, resource_keys, "
            "resource_values, attribute_keys, attribute_values) VALUES "
            + ", ".join(
                f"('default', toDateTime(1767230000), {t0 + a * ms}, {t0 + b * ms}, {(b - a) * ms}, "
                f"'1bf7651916cd43dd8448eb211c80319c', '{sid}', '{parent}', '{name}', {kind}, 0, '{fn}', "
                f"{res.format(fn)}, {keys}, {values})"
                for sid, parent, name, kind, a, b, fn, keys, values in spans
            )
        )
        sess.query(
            "INSERT INTO logs (tenant, timestamp, time_unix_nano, trace_id, span_id, severity_text, body, "
            "service_name, function, request_id) VALUES "
            "('default', toDateTime(1767230000), 1767230000001000000, '0af7651916cd43dd8448eb211c80319c', "
            "'b7ad6b7169203331', 'INFO', 'checkout started', 'f', 'f', 'r1')"
        )
        # OTLP metric data points (migration 0009) of the function's service:
        # a gauge, a cumulative monotonic sum at two times, a delta histogram.
        sess.query(
            "INSERT INTO metrics (tenant, timestamp, time_unix_nano, start_time_unix_nano, service_name, "
            "metric_name, metric_unit, metric_type, temporality, is_monotonic, attribute_keys, attribute_values, "
            "value, count, sum, min, max, bucket_counts, explicit_bounds) VALUES "
            "('default', toDateTime(1767230000), 1767230000000000000, 1767229000000000000, 'f', "
            "'process.memory.usage', 'By', 'gauge', 0, 0, [], [], 52428800, 0, 0, nan, nan, [], []), "
            "('default', toDateTime(1767230000), 1767230000000000000, 1767229000000000000, 'f', "
            "'http.server.requests', '{request}', 'sum', 2, 1, ['http.route'], ['/checkout'], 10, 0, 0, nan, nan, [], []), "
            "('default', toDateTime(1767230060), 1767230060000000000, 1767229000000000000, 'f', "
            "'http.server.requests', '{request}', 'sum', 2, 1, ['http.route'], ['/checkout'], 16, 0, 0, nan, nan, [], []), "
            "('default', toDateTime(1767230000), 1767230000000000000, 1767229940000000000, 'f', "
            "'http.server.request.duration', 's', 'histogram', 1, 0, ['http.route'], ['/checkout'], nan, 4, 1.25, "
            "0.05, 0.6, [1, 2, 1], [0.1, 0.5])"
        )
        # A configuration snapshot of the function, for the bill's charges.
        sess.query(
            "INSERT INTO function_inventory (tenant, provider, account, region, function, qualifier, kind, "
            "memory_mb, timeout_ms, runtime, arch, package_type, ephemeral_storage_mb, seen_at, source) VALUES "
            "('default', 'aws_lambda', '1', 'us-east-1', 'f', '$LATEST', 'function', 1024, 30000, "
            "'python3.12', 'x86_64', 'Zip', 2048, toDateTime(1767225700), 'aws-lambda-functions')"
        )
        # Cost and Usage Report line items of two imports of one account
        # (the reconciliation keeps the later one's).
        sess.query(
            "INSERT INTO cur_line_items (tenant, import_id, billing_period, usage_start, account, region, "
            "usage_type, kind, arch, line_item_type, function, usage_amount, unblended_cost) VALUES "
            "('default', '001767300000000-0000000001', toDate('2026-01-01'), toDateTime(1767230000), '1', "
            "'us-east-1', 'USE1-Request', 'requests', 'x86_64', 'Usage', 'f', 2, 0.0000004), "
            "('default', '001767400000000-0000000002', toDate('2026-01-01'), toDateTime(1767230000), '1', "
            "'us-east-1', 'USE1-Request', 'requests', 'x86_64', 'Usage', 'f', 2, 0.0000004)"
        )
        # What a materialize pass writes for that day (migration 0008).
        sess.query(
            "INSERT INTO cold_starts (tenant, provider, account, region, function, version, runtime, memory_mb, "
            "trigger, day, start_time, start_time_ms, request_id, start_type, cause, gap_ms, concurrent_busy, "
            "init_duration_ms, restore_duration_ms, init_cost_pico) VALUES "
            "('default', 'aws_lambda', '1', 'us-east-1', 'f', '$LATEST', 'python3.12', 1024, 'http', "
            "toDate('2026-01-01'), toDateTime(1767230000), 1767230000000, 'r1', 'cold', 'first-seen', -1, 0, "
            "250.5, 0, 397425)"
        )
        sess.query(
            "INSERT INTO cold_start_days (tenant, provider, account, region, function, day, invocations, deploys, "
            "keep_alive_ms, keep_alive_basis, idle_periods_warm, idle_periods_cold, idle_periods_unexplained, "
            "max_instance_idle_ms) VALUES ('default', 'aws_lambda', '1', 'us-east-1', 'f', toDate('2026-01-01'), "
            "2, 0, 600000, 'default-short-gaps', 1, 0, 0, -1)"
        )
        sess.query(
            "INSERT INTO invocation_hours (tenant, provider, account, region, function, version, runtime, memory_mb, "
            "trigger, day, hour, invocations, cost_usd, cold_starts, init_cost_pico, init_buckets, init_counts) VALUES "
            "('default', 'aws_lambda', '1', 'us-east-1', 'f', '$LATEST', 'python3.12', 1024, 'http', "
            "toDate('2026-01-01'), toDateTime(1767229200), 2, 0.000000950001, 1, 397425, [2514], [1])"
        )
        for table in ("function_hours", "function_days"):
            sess.query(
                f"INSERT INTO {table} (tenant, provider, account, region, function, memory_mb, arch, day, hour, "
                "runtime, last_seen, timeout_ms_max, timeout_ms_last, invocations, cold_starts, timeouts, oom_errors, "
                "duration_sum, duration_max, billed_ms, cost_usd, max_memory_max, duration_buckets, duration_counts, "
                "memory_values, memory_counts) VALUES ('default', 'aws_lambda', '1', 'us-east-1', 'f', 1024, 'x86_64', "
                "toDate('2026-01-01'), toDateTime(1767229200), 'python3.12', 1767230100000, 30000, 30000, 2, 1, 0, 0, "
                "32.5, 20.0, 33, 0.000000950001, 0, [1892, 1986], [1, 1], [], [])"
            )
        sess.query(
            "INSERT INTO usage_days (tenant, provider, account, region, function, arch, runtime, memory_mb, "
            "observed_memory_mb, day, requests, billed_ms, list_cost, snapstart_restores, unbilled_init_ms, "
            "last_start) VALUES ('default', 'aws_lambda', '1', 'us-east-1', 'f', 'x86_64', 'python3.12', 1024, 0, "
            "toDate('2026-01-01'), 2, 33, 0.000000950001, 0, 0, 1767230100)"
        )
        sess.query(
            "INSERT INTO function_minutes (tenant, provider, account, region, function, day, minutes, counts) "
            "VALUES ('default', 'aws_lambda', '1', 'us-east-1', 'f', toDate('2026-01-01'), [29453833, 29453835], [1, 1])"
        )
        sess.query(
            "INSERT INTO materialized_days (day, invocations, max_ingested_at, built_at, build_us) VALUES "
            "(toDate('2026-01-01'), 2, toDateTime(1767230200), toDateTime(1767230300), 1767230300000000)"
        )
        for path in sorted(glob.glob(os.path.join(ROOT, "analyzer", "src", "queries", "*.sql"))):
            sql = bind(open(path).read(), path)
            try:
                result = sess.query(sql, "CSV")
            except Exception as e:
                raise SystemExit(f"FAIL {os.path.relpath(path, ROOT)}: {e}")
            writes = re.search(r"^\s*INSERT\b", sql, re.M) is not None
            if not writes and not str(result).strip():
                raise SystemExit(f"FAIL {os.path.relpath(path, ROOT)}: returned no rows for the sample data")
            done += 1
            print(f"ok   {os.path.relpath(path, ROOT)}")
        for path in sorted(glob.glob(os.path.join(ROOT, "collector", "src", "pipeline", "sql", "*.sql"))):
            sql = bind(open(path).read(), path)
            for table in ("invocations", "spans", "logs", "metrics"):
                try:
                    sess.query(sql.replace("{table}", table), "CSV")
                except Exception as e:
                    raise SystemExit(f"FAIL {os.path.relpath(path, ROOT)} ({table}): {e}")
                done += 1
                if "{table}" not in sql:
                    break
            print(f"ok   {os.path.relpath(path, ROOT)}")
        sess.query("CREATE DATABASE IF NOT EXISTS chk_db")
        sources = []
        for d in ("store/src", "collector/src", "src"):
            sources += sorted(glob.glob(os.path.join(ROOT, d, "**", "*.rs"), recursive=True))
        for path in sources:
            rel = os.path.relpath(path, ROOT)
            for line, lit in rust_sql_literals(path):
                where = f"{rel}:{line}"
                if "FORMAT TabSeparated" in lit:
                    # An INSERT whose rows come on standard input.
                    lit = lit.split("FORMAT")[0].replace("({TSV_COLUMNS})", "") + "SELECT * FROM invocations LIMIT 0"
                sql = fill(lit, where)
                try:
                    sess.query(sql, "CSV")
                except Exception as e:
                    raise SystemExit(f"FAIL {where}: {e}\n{sql}")
                done += 1
                print(f"ok   {where}")
        # One more row for the dashboards (after the checks above, which it
        # must not change): a SnapStart restore that ran out of memory,
        # with the memory it used, which the memory panels need.
        sess.query(
            "INSERT INTO invocations (tenant, provider, function, region, account, runtime, memory_mb, "
            "start_time, start_time_ms, duration_ms, billed_duration_ms, restore_duration_ms, start_type, "
            "max_memory_used_mb, status, error_type, cost_usd) VALUES "
            "('default', 'aws_lambda', 'f', 'us-east-1', '1', 'java21', 512, toDateTime(1767233600), "
            "1767233600000, 30.0, 30, 150.0, 'snapstart', 512, 'error', 'Runtime.OutOfMemory', 0.000000700000)"
        )
        # And what a materialize pass makes of it, which the cold-start and
        # memory panels read.
        sess.query(
            "INSERT INTO function_hours (tenant, provider, account, region, function, memory_mb, arch, day, hour, "
            "runtime, last_seen, timeout_ms_max, timeout_ms_last, invocations, cold_starts, timeouts, oom_errors, "
            "duration_sum, duration_max, billed_ms, cost_usd, max_memory_max, duration_buckets, duration_counts, "
            "memory_values, memory_counts) VALUES ('default', 'aws_lambda', '1', 'us-east-1', 'f', 512, 'x86_64', "
            "toDate('2026-01-01'), toDateTime(1767232800), 'java21', 1767233600000, 30000, 30000, 1, 1, 0, 1, "
            "30.0, 30.0, 30, 0.0000007, 512, [2067], [1], [512], [1])"
        )
        sess.query(
            "INSERT INTO cold_starts (tenant, provider, account, region, function, version, runtime, memory_mb, "
            "trigger, day, start_time, start_time_ms, request_id, start_type, cause, gap_ms, concurrent_busy, "
            "init_duration_ms, restore_duration_ms, init_cost_pico) VALUES "
            "('default', 'aws_lambda', '1', 'us-east-1', 'f', '$LATEST', 'java21', 512, 'http', "
            "toDate('2026-01-01'), toDateTime(1767233600), 1767233600000, 'r3', 'snapstart', 'idle', 3500000, 0, "
            "0, 150.0, 0)"
        )
        for path in sorted(glob.glob(os.path.join(ROOT, "dashboards", "*.toml"))):
            rel = os.path.relpath(path, ROOT)
            for line, panel in dashboard_panels(path):
                where = f"{rel}:{line} ({panel.get('title', '')})"
                sql = panel["sql"]
                for k, v in DASHBOARD_FILLS.items():
                    sql = sql.replace(k, v)
                unknown = re.findall(r"\{[A-Za-z_]*\}", sql)
                if unknown:
                    raise SystemExit(f"FAIL {where}: unknown placeholder {unknown[0]}")
                # A trailing `;` (and comments after it) goes, as in Panel::bound.
                sql = re.sub(r";(\s*--[^\n]*)*\s*$", "", sql.rstrip())
                sql = f"{sql}\n{DASHBOARD_SETTINGS}"
                try:
                    result = json.loads(str(sess.query(sql, "JSONCompact")))
                except Exception as e:
                    raise SystemExit(f"FAIL {where}: {e}\n{sql}")
                problem = panel_shape_problem(panel["kind"], result["meta"], result["data"])
                if problem:
                    raise SystemExit(f"FAIL {where}: {problem}")
                done += 1
                print(f"ok   {where}")
        # The metrics panels' SQL: the columns the Rust side reads, by
        # position and type; the metric rows above give some of them points.
        metrics = json.load(open(METRICS_PANELS))
        columns = [c.split(" ", 1) for c in metrics["columns"]]
        with_rows = 0
        for panel in metrics["panels"]:
            where = panel["where"]
            sql = f"{panel['sql']}\n{DASHBOARD_SETTINGS}"
            try:
                result = json.loads(str(sess.query(sql, "JSONCompact")))
            except Exception as e:
                raise SystemExit(f"FAIL {where}: {e}\n{sql}")
            got = [[c["name"], c["type"]] for c in result["meta"]]
            if got != columns:
                raise SystemExit(f"FAIL {where}: columns {got}, the Rust side reads {columns}")
            with_rows += 1 if result["data"] else 0
            done += 1
            print(f"ok   {where}")
        if metrics["panels"] and not with_rows:
            raise SystemExit(f"FAIL {os.path.relpath(METRICS_PANELS, ROOT)}: no metrics panel has rows for the sample data")
        version = sess.query("SELECT version()", "CSV")
    print(f"chdb {str(version).strip()}: {done} statements accepted")


if __name__ == "__main__":
    main()
