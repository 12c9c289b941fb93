//! `POST /v1/cloudwatch`: CloudWatch Logs subscription payloads.
//!
//! The log group `/aws/lambda/NAME` names the function, the log stream
//! (`YYYY/MM/DD/[VERSION]id`) the version and the execution environment,
//! the payload's `owner` the account. The payload does not name the region:
//! send it as `X-Faasight-Region` (or `?region=`). Lines of other log groups
//! are stored as logs of that group.

use super::lambda::{header, LambdaAccepted, LambdaRows};
use crate::codecs::cloudwatch::{decode_body, Subscription};
use crate::codecs::lambda_log::parse_line;
use crate::server::IngestContext;
use crate::transforms::lambda_env::FunctionIdentity;
use crate::transforms::lambda_env::MAX_IDENTITY_BYTES;
use crate::ApiError;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use faasight_store::LogRow;
use std::collections::HashMap;

/// What the rows of one request may take in memory, at most. A
/// subscription payload is at most 1 MB uncompressed as CloudWatch sends
/// it (and 10,000 events); 128 MiB leaves room for what a user posts
/// by hand, and 64 requests in flight stay bounded.
pub const MAX_EXPANDED_BYTES: usize = 128 * 1024 * 1024;
/// A log row's own size besides its strings (see `LogRow::approx_bytes`).
const ROW_OVERHEAD_BYTES: usize = 400;

/// Adds the rows of one decoded subscription payload to a request's rows.
/// A log event whose timestamp is outside what ClickHouse stores is refused
/// by itself, naming it.
pub fn add_subscription(
    ctx: &IngestContext,
    receiver: &'static str,
    payload: Subscription,
    region: &str,
    rows: &mut LambdaRows,
    accepted: &mut LambdaAccepted,
) -> Result<(), ApiError> {
    if payload.message_type != "DATA_MESSAGE" {
        return Ok(());
    }
    // Every line becomes a row carrying the log group and stream: bound
    // what the payload may expand to before building anything.
    let per_row = payload.log_group.len() + 2 * payload.log_stream.len() + ROW_OVERHEAD_BYTES;
    let expanded: usize = payload
        .log_events
        .iter()
        .flat_map(|e| e.message.lines())
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() + per_row)
        .sum();
    rows.charge(expanded, MAX_EXPANDED_BYTES)?;
    let mut events = Vec::with_capacity(payload.log_events.len());
    for e in &payload.log_events {
        match DateTime::<Utc>::from_timestamp_millis(e.timestamp)
            .filter(|t| crate::normalize::storable_time(*t))
        {
            Some(t) => events.push((e, t)),
            None => accepted.reject(format!(
                "log event {:?}: timestamp {} ms is outside 1970-01-01..2106-02-07",
                e.id, e.timestamp
            )),
        }
    }
    if payload.log_group.len() > MAX_IDENTITY_BYTES || payload.log_stream.len() > MAX_IDENTITY_BYTES
    {
        return Err(ApiError::BadRequest(format!(
            "nothing was stored: logGroup and logStream may have at most {MAX_IDENTITY_BYTES} bytes (CloudWatch allows 512 characters)"
        )));
    }
    let Some(function) = payload.function() else {
        let logs: Vec<LogRow> = events
            .iter()
            .map(|(e, when)| LogRow {
                tenant: ctx.tenant.clone(),
                timestamp: *when,
                time_unix_nano: (e.timestamp.max(0) as u64).saturating_mul(1_000_000),
                body: e.message.trim_end().to_string(),
                service_name: payload.log_group.clone(),
                attribute_keys: vec!["cloudwatch.log_stream".into()],
                attribute_values: vec![payload.log_stream.clone()],
                source: receiver.into(),
                ..Default::default()
            })
            .collect();
        rows.add_logs(logs, accepted);
        return Ok(());
    };
    let id = FunctionIdentity {
        tenant: ctx.tenant.clone(),
        account: payload.owner.clone(),
        region: region.to_string(),
        function: function.to_string(),
        version: payload.version().unwrap_or("").to_string(),
        instance_id: payload.log_stream.clone(),
        source: receiver.into(),
        ..Default::default()
    };
    let events = events
        .iter()
        .flat_map(|(e, when)| {
            e.message
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(move |line| (parse_line(line), *when))
        })
        .collect();
    rows.add_events(ctx, &id, events, accepted)
}

/// Decodes a subscription payload in any of its envelopes and stores it.
pub async fn cloudwatch_create(
    ctx: IngestContext,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<LambdaAccepted>, ApiError> {
    let limit = ctx.state().config.max_body_bytes;
    let payload = decode_body(&body, limit).map_err(|e| {
        if e.is_too_large() {
            ApiError::TooLarge(format!("nothing was stored: {e}"))
        } else {
            ApiError::BadRequest(format!("nothing was stored: {e}"))
        }
    })?;
    let region = header(&headers, "x-faasight-region")
        .or(query.get("region").map(String::as_str))
        .unwrap_or("")
        .to_string();
    let mut accepted = LambdaAccepted::default();
    let mut rows = LambdaRows::default();
    add_subscription(
        &ctx,
        "cloudwatch",
        payload,
        &region,
        &mut rows,
        &mut accepted,
    )?;
    rows.submit(&ctx, "cloudwatch").await?;
    Ok(Json(accepted))
}
