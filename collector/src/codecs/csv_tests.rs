//! Tests for `csv`. Expected values are written by hand from the inputs.

use super::*;
use faasight_store::PicoUsd;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_400_000, 0).unwrap()
}

fn fields(text: &str) -> Vec<(usize, Vec<String>)> {
    records(text)
        .map(|r| {
            let r = r.unwrap();
            (r.line, r.fields)
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn error_lines(errors: &[(usize, RecordError)]) -> Vec<usize> {
    errors.iter().map(|(n, _)| *n).collect()
}

#[test]
fn header_only_and_empty_bodies_have_no_rows() {
    for body in [
        "",
        "\n\n",
        "\u{feff}",
        "function,start_time_ms,duration_ms",
        "function,start_time_ms,duration_ms\n",
        "function,start_time_ms,duration_ms\r\n\r\n",
    ] {
        assert_eq!(parse_body(body, now()), Ok(vec![]), "{body:?}");
    }
}

#[test]
fn reader_handles_quotes_escapes_and_line_breaks() {
    let text = "a,\"b,c\",\"say \"\"hi\"\"\"\r\n\"two\nlines\",,\"\"\n\nlast,\"x\ry\",z";
    assert_eq!(
        fields(text),
        vec![
            (1, strings(&["a", "b,c", "say \"hi\""])),
            (2, strings(&["two\nlines", "", ""])),
            (5, strings(&["last", "x\ry", "z"])),
        ]
    );
    // A trailing comma is an empty last cell; CR-only line ends count.
    assert_eq!(
        fields("a,b,\rc,d,e"),
        vec![
            (1, strings(&["a", "b", ""])),
            (2, strings(&["c", "d", "e"]))
        ]
    );
}

#[test]
fn reader_refuses_malformed_quotes() {
    let r: Vec<_> = records("a,b\n\"open,\nmore\n").collect();
    assert_eq!(
        r[1],
        Err(CsvSyntaxError {
            line: 2,
            reason: "a quoted field is not closed".into()
        })
    );
    let r: Vec<_> = records("a\n\"x\"y\nb").collect();
    assert_eq!(r.len(), 2, "the reader stops at the first fault");
    assert_eq!(r[1].as_ref().unwrap_err().line, 2);
    assert!(r[1]
        .as_ref()
        .unwrap_err()
        .reason
        .starts_with("text after the closing quote"));
    let e = records("ab\"c").next().unwrap().unwrap_err();
    assert!(
        e.reason.starts_with("a quote inside an unquoted field"),
        "{e}"
    );
}

#[test]
fn decodes_quoted_commas_and_newlines_into_fields() {
    let body = "provider,function,start_time_ms,duration_ms,error_type,status\n\
                aws_lambda,\"api,v2\",1767225600000,12.5,\"Handled, then\nrethrown\",error\n\
                aws_lambda,plain,1767225600001,1,,\n";
    let rows = parse_body(body, now()).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].function, "api,v2");
    assert_eq!(rows[0].error_type, "Handled, then\nrethrown");
    assert_eq!(rows[0].status, "error");
    assert_eq!(rows[0].duration_ms, 12.5);
    assert_eq!(rows[1].function, "plain");
    // Empty cells are absent: defaults apply.
    assert_eq!(rows[1].status, "success");
    assert_eq!(rows[1].error_type, "");
    assert_eq!(rows[1].source, "csv");
}

#[test]
fn skips_a_byte_order_mark_and_accepts_crlf() {
    let body =
        "\u{feff}provider,function,start_time_ms,duration_ms\r\naws,f,1000,3\r\naws,g,2000,4\r\n";
    let rows = parse_body(body, now()).unwrap();
    assert_eq!(
        rows.iter()
            .map(|r| (r.function.as_str(), r.start_time_ms, r.duration_ms))
            .collect::<Vec<_>>(),
        vec![("f", 1000, 3.0), ("g", 2000, 4.0)]
    );
}

#[test]
fn refuses_unknown_duplicate_and_unnamed_columns_on_the_header_line() {
    let errs = parse_body("function,memroy_mb,duration_ms\nf,1,2\n", now()).unwrap_err();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].0, 1);
    assert_eq!(errs[0].1.to_string(), "header: unknown column `memroy_mb`");
    let errs = parse_body("\n\nfoo,function,bar\n", now()).unwrap_err();
    assert_eq!(errs[0].0, 3);
    assert_eq!(
        errs[0].1.to_string(),
        "header: unknown columns `foo`, `bar`"
    );
    let errs = parse_body("function,function\n", now()).unwrap_err();
    assert_eq!(
        errs[0].1.to_string(),
        "header: column `function` appears more than once"
    );
    let errs = parse_body("function,,duration_ms\n", now()).unwrap_err();
    assert_eq!(errs[0].1.to_string(), "header: column 2 has no name");
}

#[test]
fn names_the_column_and_line_of_a_bad_number() {
    let body = "provider,function,start_time_ms,duration_ms,memory_mb\n\
                aws,f,1000,1,128\n\
                aws,f,1000,1,12x\n\
                aws,f,1000,fast,128\n\
                aws,f,1000,1,4294967296\n\
                aws,f,1000,1,128.5\n\
                aws,f,soon,1,128\n\
                aws,f,1000,NaN,128\n";
    let errs = parse_body(body, now()).unwrap_err();
    assert_eq!(error_lines(&errs), vec![3, 4, 5, 6, 7, 8]);
    let messages: Vec<String> = errs.iter().map(|(_, e)| e.to_string()).collect();
    assert_eq!(
        messages,
        vec![
            "memory_mb: \"12x\" is not a whole number from 0 to 4294967295",
            "duration_ms: \"fast\" is not a finite number",
            "memory_mb: \"4294967296\" is not a whole number from 0 to 4294967295",
            "memory_mb: \"128.5\" is not a whole number from 0 to 4294967295",
            "start_time_ms: \"soon\" is not a whole number from 0 to 18446744073709551615",
            "duration_ms: \"NaN\" is not a finite number",
        ]
    );
}

#[test]
fn refuses_rows_with_fewer_or_more_cells_than_the_header() {
    let body = "provider,function,start_time_ms,duration_ms\n\
                aws,f,1000,2\n\
                aws,f,1000\n\
                aws,\"multi\nline\",1000,2,3\n\
                aws,g,1000,2\n";
    let errs = parse_body(body, now()).unwrap_err();
    assert_eq!(error_lines(&errs), vec![3, 4]);
    assert_eq!(
        errs[0].1.to_string(),
        "row: 3 cells, but the header names 4 columns"
    );
    assert_eq!(
        errs[1].1.to_string(),
        "row: 5 cells, but the header names 4 columns"
    );
}

#[test]
fn reports_rule_errors_and_syntax_errors_with_their_lines() {
    // Rules come from the NDJSON path: a missing function, a bad status.
    let body = "provider,function,start_time_ms,duration_ms,status\n\
                aws,,1000,2,\n\
                aws,\"f\n\",1000,2,ok\n\
                aws,f,1000,2,\"unclosed\n";
    let errs = parse_body(body, now()).unwrap_err();
    assert_eq!(error_lines(&errs), vec![2, 3, 5]);
    assert_eq!(errs[0].1.to_string(), "function is required");
    assert!(errs[1].1.to_string().starts_with("status must be one of"));
    assert_eq!(errs[2].1.to_string(), "csv: a quoted field is not closed");
}

#[test]
fn reports_at_most_ten_errors() {
    let body = format!("function,duration_ms\n{}", "f,x\n".repeat(25));
    let errs = parse_body(&body, now()).unwrap_err();
    assert_eq!(error_lines(&errs), (2..12).collect::<Vec<_>>());
}

#[test]
fn the_same_record_as_csv_and_ndjson_decodes_to_equal_rows() {
    let ndjson_line = r#"{"tenant":"acme","provider":"aws_lambda","account":"123456789012","region":"us-east-1","function":"api","version":"7","runtime":"python3.12","arch":"arm64","memory_mb":512,"timeout_ms":3000,"request_id":"r-1","instance_id":"i-1","trace_id":"t-1","start_time":"2026-01-02T03:04:05.678+01:00","duration_ms":12.3,"init_duration_ms":210.5,"cpu_time_ms":4.25,"start_type":"cold","max_memory_used_mb":80,"status":"error","error_type":"Runtime.Crash","trigger":"http"}"#;
    let csv_body = "tenant,provider,account,region,function,version,runtime,arch,memory_mb,timeout_ms,request_id,instance_id,trace_id,start_time,duration_ms,init_duration_ms,cpu_time_ms,start_type,max_memory_used_mb,status,error_type,trigger\n\
                    acme,aws_lambda,123456789012,us-east-1,api,7,python3.12,arm64,512,3000,r-1,i-1,t-1,2026-01-02T03:04:05.678+01:00,12.3,210.5,4.25,cold,80,error,Runtime.Crash,http\n";
    let from_ndjson = ndjson::parse_line(ndjson_line, now()).unwrap();
    let mut from_csv = parse_body(csv_body, now()).unwrap();
    assert_eq!(from_csv.len(), 1);
    // Only the default `source` tells the formats apart.
    assert_eq!(
        (from_csv[0].source.as_str(), from_ndjson.source.as_str()),
        ("csv", "ndjson")
    );
    from_csv[0].source = from_ndjson.source.clone();
    assert_eq!(from_csv[0], from_ndjson);
    assert_eq!(from_ndjson.start_time_ms, 1_767_319_445_678);
    assert_eq!(from_ndjson.billed_duration_ms, 223);

    // With an explicit source, cost and epoch start, the rows are equal as decoded.
    let ndjson_line = r#"{"function":"f","provider":"azure_functions","start_time":1767225600123,"duration_ms":7,"cost_usd":"0.000000123456","billed_duration_ms":100,"source":"import"}"#;
    let csv_body = "source,function,provider,start_time,duration_ms,cost_usd,billed_duration_ms\n\
                    import,f,azure_functions,1767225600123,7,0.000000123456,100";
    let from_ndjson = ndjson::parse_line(ndjson_line, now()).unwrap();
    let from_csv = parse_body(csv_body, now()).unwrap();
    assert_eq!(from_csv, vec![from_ndjson]);
    assert_eq!(from_csv[0].cost_usd, PicoUsd(123_456));
    assert_eq!(from_csv[0].start_time_ms, 1_767_225_600_123);
}

#[test]
fn every_column_is_a_field_the_ndjson_codec_accepts() {
    for &(column, kind) in COLUMNS {
        let value = match kind {
            Kind::Text => "\"x\"",
            Kind::U32 | Kind::U64 | Kind::Time => "1",
            Kind::F64 => "1.5",
        };
        let line = format!(
            r#"{{"provider":"knative","function":"f","start_time_ms":1767225600000,"duration_ms":1,"{column}":{value}}}"#
        );
        if let Err(e) = ndjson::parse_line(&line, now()) {
            assert!(!e.to_string().contains("unknown field"), "{column}: {e}");
        }
    }
}

#[test]
fn blank_cells_are_absent_and_numbers_may_be_padded() {
    let body = "provider,function,start_time,duration_ms,memory_mb,status\n\
                aws , f, 1000 , 2.5 ,  ,   \n";
    let rows = parse_body(body, now()).unwrap();
    assert_eq!(rows[0].start_time_ms, 1000);
    assert_eq!(rows[0].duration_ms, 2.5);
    assert_eq!(rows[0].memory_mb, 0);
    assert_eq!(rows[0].status, "success");
    let errs = parse_body("function,start_time,duration_ms\nf,yesterday,1\n", now()).unwrap_err();
    assert!(
        errs[0]
            .1
            .to_string()
            .starts_with("start_time: \"yesterday\" is not an RFC 3339 time"),
        "{}",
        errs[0].1
    );
}
