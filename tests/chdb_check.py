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
SQL cannot slip past). Any statement the engine rejects fails the run,
naming the file and the statement.
"""
import glob
import os
import re
import sys
import tempfile

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
    values = [p.split("=", 1)[1].strip() for p in header.group(1).split(";")]
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
}
SQL_START = re.compile(r"^\s*(SELECT|INSERT|CREATE|ALTER|DROP)\b")


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
            "duration_ms, billed_duration_ms, start_type, status, cost_usd) VALUES "
            "('default', 'aws_lambda', 'f', 'us-east-1', '1', toDateTime(1767230000), 1767230000000, 12.5, 13, 'cold', 'success', 0.000000416667), "
            "('default', 'aws_lambda', 'f', 'us-east-1', '1', toDateTime(1767230100), 1767230100000, 20.0, 20, 'warm', 'error', 0.000000533334)"
        )
        for path in sorted(glob.glob(os.path.join(ROOT, "analyzer", "src", "queries", "*.sql"))):
            sql = bind(open(path).read(), path)
            try:
                result = sess.query(sql, "CSV")
            except Exception as e:
                raise SystemExit(f"FAIL {os.path.relpath(path, ROOT)}: {e}")
            if not str(result).strip():
                raise SystemExit(f"FAIL {os.path.relpath(path, ROOT)}: returned no rows for the sample data")
            done += 1
            print(f"ok   {os.path.relpath(path, ROOT)}")
        for path in sorted(glob.glob(os.path.join(ROOT, "collector", "src", "pipeline", "sql", "*.sql"))):
            sql = bind(open(path).read(), path)
            for table in ("invocations", "spans", "logs"):
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
        version = sess.query("SELECT version()", "CSV")
    print(f"chdb {str(version).strip()}: {done} statements accepted")


if __name__ == "__main__":
    main()
