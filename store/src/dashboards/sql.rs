//! What a panel's SQL may hold, and how its placeholders become bind
//! markers.
//!
//! A small lexer is enough: it knows ClickHouse's string literals (`'...'`
//! with `\` escapes and doubled quotes), quoted identifiers (`"..."`,
//! `` `...` ``) and comments (`--`, `/* */`), so that a `;` or a keyword
//! inside them is not mistaken for code, and a placeholder inside them is
//! refused (it would be sent as text, not bound).

use super::{BoundSql, Param};
use std::ops::Range;

/// The placeholders a panel may use, and the parameter each stands for.
const PLACEHOLDERS: [(&str, Param); 3] = [
    ("{tenant}", Param::Tenant),
    ("{from}", Param::From),
    ("{to}", Param::To),
];

/// What a scan of a panel's SQL found.
struct Scan {
    /// Placeholders standing in code, in order.
    placeholders: Vec<(Range<usize>, Param)>,
    /// Byte offset of the `;` ending the statement, if there is one.
    semicolon: Option<usize>,
    /// The first problem, phrased to follow `panel "Title" `.
    problem: Option<String>,
}

/// Checks a panel's SQL: one SELECT (or WITH ... SELECT) statement, with
/// `{tenant}` and only the known placeholders, and nothing that would
/// collide with what faasight adds (bind markers, output format, settings).
/// The error is phrased to follow `panel "Title" `.
pub(super) fn check(sql: &str) -> Result<(), String> {
    match scan(sql).problem {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// The SQL with placeholders replaced by bind markers (see
/// [`super::Panel::bound`]) and the trailing `;` dropped.
pub(super) fn bind(sql: &str) -> BoundSql {
    let scan = scan(sql);
    let mut out = String::with_capacity(sql.len() + 32);
    let mut params = Vec::with_capacity(scan.placeholders.len());
    let mut copied = 0;
    for (range, param) in scan.placeholders {
        out.push_str(&sql[copied..range.start]);
        out.push_str(match param {
            Param::From | Param::To => "toDateTime(?)",
            _ => "?",
        });
        params.push(param);
        copied = range.end;
    }
    match scan.semicolon {
        Some(at) if at >= copied => {
            out.push_str(&sql[copied..at]);
            out.push_str(&sql[at + 1..]);
        }
        _ => out.push_str(&sql[copied..]),
    }
    let sql = out.trim().to_string();
    BoundSql { sql, params }
}

fn scan(sql: &str) -> Scan {
    let mut scan = Scan {
        placeholders: Vec::new(),
        semicolon: None,
        problem: None,
    };
    // A `?` anywhere, even in a string or comment, would be taken for a
    // bind marker by the client.
    if sql.contains('?') {
        scan.problem = Some(
            "has a literal '?' in its SQL; '?' marks bound parameters, so write the \
             placeholders {tenant}, {from}, {to} instead, and avoid '?' in strings and \
             comments too"
                .into(),
        );
    }
    let b = sql.as_bytes();
    let fail = |scan: &mut Scan, problem: String| {
        if scan.problem.is_none() {
            scan.problem = Some(problem);
        }
    };
    let mut seen_code = false;
    // The last code byte before the current token (to tell `t.format`
    // from the FORMAT keyword).
    let mut previous = 0u8;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        // Comments and whitespace are not code.
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i = sql[i..].find('\n').map_or(b.len(), |n| i + n);
            if has_brace(&sql[start..i]) {
                fail(&mut scan, brace_outside_code("a comment"));
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            match sql[i + 2..].find("*/") {
                Some(n) => i += 2 + n + 2,
                None => {
                    fail(
                        &mut scan,
                        "has an unterminated /* comment in its SQL".into(),
                    );
                    break;
                }
            }
            if has_brace(&sql[start..i]) {
                fail(&mut scan, brace_outside_code("a comment"));
            }
            continue;
        }
        if c == b';' {
            if scan.semicolon.is_some() {
                fail(&mut scan, more_than_one_statement());
            }
            scan.semicolon = Some(i);
            i += 1;
            continue;
        }

        // Anything else is code, which may not follow the statement's `;`.
        if scan.semicolon.is_some() {
            fail(&mut scan, more_than_one_statement());
        }
        if !seen_code {
            let word_end = b[i..]
                .iter()
                .position(|&n| !is_word_byte(n))
                .map_or(b.len(), |n| i + n);
            let word = &sql[i..word_end];
            if !(word.eq_ignore_ascii_case("select") || word.eq_ignore_ascii_case("with")) {
                fail(&mut scan, not_a_select());
            }
        }
        seen_code = true;

        if c == b'\'' || c == b'"' || c == b'`' {
            let what = if c == b'\'' {
                "a string literal"
            } else {
                "a quoted identifier"
            };
            match closing_quote(b, i) {
                Some(end) => i = end,
                None => {
                    fail(
                        &mut scan,
                        format!("has an unterminated {} in its SQL", &what[2..]),
                    );
                    break;
                }
            }
            if has_brace(&sql[start..i]) {
                fail(&mut scan, brace_outside_code(what));
            }
        } else if c == b'{' {
            match PLACEHOLDERS.iter().find(|(p, _)| sql[i..].starts_with(p)) {
                Some((text, param)) => {
                    i += text.len();
                    scan.placeholders.push((start..i, param.clone()));
                    if b.get(i).is_some_and(|&n| is_word_byte(n) || n == b'{') {
                        fail(
                            &mut scan,
                            format!(
                                "has {text} directly followed by {:?} in its SQL; put a space \
                                 or an operator after a placeholder",
                                sql[i..].chars().next().unwrap_or(' ')
                            ),
                        );
                    }
                }
                None => {
                    let name_end = sql[i + 1..]
                        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                        .map_or(b.len(), |n| i + 1 + n);
                    let problem = if b.get(name_end) == Some(&b'}') {
                        format!(
                            "uses the unknown placeholder {}; the placeholders are {{tenant}}, \
                             {{from}} and {{to}}",
                            &sql[i..=name_end]
                        )
                    } else {
                        "has a '{' that does not start a placeholder; braces may only \
                         appear in {tenant}, {from} and {to}"
                            .to_string()
                    };
                    fail(&mut scan, problem);
                    i += 1;
                }
            }
        } else if c == b'}' {
            fail(
                &mut scan,
                "has a '}' that does not end a placeholder; braces may only appear in \
                 {tenant}, {from} and {to}"
                    .into(),
            );
            i += 1;
        } else if c == b'$' {
            // Heredoc strings ($$...$$) exist only in newer servers, and
            // this lexer does not follow them.
            fail(
                &mut scan,
                "has a '$' in its SQL; heredoc strings ($$...$$) do not exist in \
                 ClickHouse 18.16, use '...' strings"
                    .into(),
            );
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && is_word_byte(b[i]) {
                i += 1;
            }
            let word = &sql[start..i];
            // A keyword, unless it names a column of a table (`t.format`)
            // or calls a function (`format(...)`).
            let qualified = previous == b'.';
            let call = sql[i..].trim_start().starts_with('(');
            if !qualified && !call {
                if word.eq_ignore_ascii_case("format") {
                    fail(
                        &mut scan,
                        "has a FORMAT clause in its SQL; faasight chooses the output \
                         format, remove the clause"
                            .into(),
                    );
                } else if word.eq_ignore_ascii_case("settings") {
                    fail(
                        &mut scan,
                        "has a SETTINGS clause in its SQL; faasight sets the limits of \
                         dashboard queries (rows, time), remove the clause"
                            .into(),
                    );
                } else if word.eq_ignore_ascii_case("outfile") {
                    fail(
                        &mut scan,
                        "has an INTO OUTFILE clause in its SQL; panels only return rows \
                         to the page"
                            .into(),
                    );
                }
            }
        } else {
            if c.is_ascii_digit() {
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        previous = b[i - 1];
    }

    if !seen_code {
        fail(&mut scan, not_a_select());
    }
    if !scan.placeholders.iter().any(|(_, p)| *p == Param::Tenant) {
        fail(
            &mut scan,
            "does not use {tenant} in its SQL; every panel must be limited to the viewer's \
             tenant, e.g. WHERE tenant = {tenant}"
                .into(),
        );
    }
    scan
}

/// The offset just past the quote closing the one at `open`: a backslash
/// escapes the next byte, and a doubled quote stands for itself.
fn closing_quote(b: &[u8], open: usize) -> Option<usize> {
    let quote = b[open];
    let mut i = open + 1;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if b[i] == quote {
            if b.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return Some(i + 1);
            }
        } else {
            i += 1;
        }
    }
    None
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn has_brace(text: &str) -> bool {
    text.contains(['{', '}'])
}

fn brace_outside_code(inside: &str) -> String {
    format!(
        "has a brace inside {inside} in its SQL; placeholders are bound only in code, and \
         braces may appear nowhere else"
    )
}

fn more_than_one_statement() -> String {
    "has more than one statement in its SQL; a panel runs one query (a single \
     trailing ';' is allowed)"
        .into()
}

fn not_a_select() -> String {
    "does not start with SELECT or WITH; a panel's SQL is one read-only query".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(sql: &str) -> String {
        check(sql).expect_err(sql)
    }

    #[test]
    fn binds_placeholders_in_order_and_drops_the_trailing_semicolon() {
        let bound = bind(
            "-- per runtime\nSELECT runtime, count() AS n FROM invocations\n\
             WHERE start_time >= {from} AND tenant = {tenant} AND start_time < {to}\n\
             GROUP BY runtime; -- done\n",
        );
        assert_eq!(
            bound.sql,
            "-- per runtime\nSELECT runtime, count() AS n FROM invocations\n\
             WHERE start_time >= toDateTime(?) AND tenant = ? AND start_time < toDateTime(?)\n\
             GROUP BY runtime -- done"
        );
        assert_eq!(bound.params, [Param::From, Param::Tenant, Param::To]);
    }

    #[test]
    fn strings_identifiers_and_comments_hide_what_they_hold() {
        for ok in [
            "SELECT 'a;b' AS x, \"format\" FROM t WHERE tenant = {tenant}",
            "SELECT 'it''s', 'back\\'slash' FROM t WHERE tenant = {tenant};",
            "WITH 1 AS one SELECT one FROM t /* ; settings */ WHERE tenant = {tenant}",
            "select t.format, formatDateTime(now(), '%F') FROM t WHERE tenant = {tenant}",
            "  -- a comment first\n  SELECT 1 FROM t WHERE tenant = {tenant}\n;\n-- after\n",
        ] {
            assert_eq!(check(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn refuses_what_would_not_run_as_one_bound_query() {
        for (sql, start) in [
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} AND x = '?'",
                "has a literal '?'",
            ),
            (
                "SELECT 1; SELECT 2 FROM t WHERE tenant = {tenant}",
                "has more than one statement",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant};;",
                "has more than one statement",
            ),
            (
                "INSERT INTO t SELECT {tenant}",
                "does not start with SELECT or WITH",
            ),
            (
                "(SELECT 1 FROM t WHERE tenant = {tenant})",
                "does not start with SELECT or WITH",
            ),
            ("-- only a comment", "does not start with SELECT or WITH"),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} FORMAT CSV",
                "has a FORMAT clause",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} SETTINGS a=1",
                "has a SETTINGS clause",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} INTO OUTFILE 'x'",
                "has an INTO OUTFILE",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} AND x = {foo}",
                "uses the unknown placeholder {foo};",
            ),
            (
                "SELECT {1} FROM t WHERE tenant = {tenant}",
                "uses the unknown placeholder {1};",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} AND x = { tenant }",
                "has a '{' that does not",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant} }",
                "has a '}' that does not",
            ),
            (
                "SELECT '{tenant}' FROM t WHERE tenant = {tenant}",
                "has a brace inside a string literal",
            ),
            (
                "SELECT 1 FROM t -- {to}\nWHERE tenant = {tenant}",
                "has a brace inside a comment",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant}{tenant}",
                "has {tenant} directly followed by '{'",
            ),
            (
                "SELECT 1 FROM t WHERE tenant = {tenant}fields",
                "has {tenant} directly followed by 'f'",
            ),
            (
                "SELECT 'open FROM t WHERE tenant = {tenant}",
                "has an unterminated string literal",
            ),
            (
                "SELECT 1 /* open FROM t WHERE tenant = {tenant}",
                "has an unterminated /* comment",
            ),
            ("SELECT $$x$$ FROM t WHERE tenant = {tenant}", "has a '$'"),
            (
                "SELECT 1 FROM t WHERE start_time >= {from}",
                "does not use {tenant}",
            ),
        ] {
            let got = problem(sql);
            assert!(
                got.starts_with(start),
                "{sql}\n  got: {got}\n  want: {start}..."
            );
        }
    }
}
