//! `POST /v1/cloudwatch`: CloudWatch Logs subscription payloads.
//!
//! The log group `/aws/lambda/NAME` names the function, the log stream
//! (`YYYY/MM/DD/[VERSION]id`) the version and the execution environment,
//! the payload's `owner` the account. The payload does not name the region:
//! send it as `X-Faasight-Region` (or `?region=`). Lines of other log groups
//! are stored as logs of that group.

use super::lambda::{header, submit_events, LambdaAccepted};
use crate::codecs::cloudwatch::{decode_body, Subscription};
use crate::codecs::lambda_log::parse_line;
use crate::pipeline::Batch;
use crate::server::IngestContext;
use crate::transforms::lambda_env::FunctionIdentity;
use crate::ApiError;
use axum::body::Bytes;
use axum::extract::Query;
use axum::http::HeaderMap;
use axum::Json;
use chrono::{DateTime, Utc};
use faasight_store::LogRow;
use std::collections::HashMap;

/// Stores one decoded subscription payload.
pub async fn store_subscription(
    ctx: &IngestContext,
    receiver: &'static str,
    payload: Subscription,
    region: &str,
    accepted: &mut LambdaAccepted,
) -> Result<(), ApiError> {
    if payload.message_type != "DATA_MESSAGE" {
        return Ok(());
    }
    let when = |ms: i64| DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    let Some(function) = payload.function() else {
        let logs: Vec<LogRow> = payload
            .log_events
            .iter()
            .map(|e| LogRow {
                tenant: ctx.tenant.clone(),
                timestamp: when(e.timestamp),
                time_unix_nano: (e.timestamp.max(0) as u64).saturating_mul(1_000_000),
                body: e.message.trim_end().to_string(),
                service_name: payload.log_group.clone(),
                attribute_keys: vec!["cloudwatch.log_stream".into()],
                attribute_values: vec![payload.log_stream.clone()],
                source: receiver.into(),
                ..Default::default()
            })
            .collect();
        accepted.logs += logs.len();
        return ctx
            .submit(
                receiver,
                Batch {
                    logs,
                    ..Default::default()
                },
            )
            .await;
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
    let events = payload
        .log_events
        .iter()
        .flat_map(|e| {
            e.message
                .lines()
                .map(move |line| (parse_line(line), when(e.timestamp)))
        })
        .collect();
    submit_events(ctx, receiver, &id, events, accepted).await
}

/// Decodes a subscription payload in any of its envelopes and stores it.
pub async fn cloudwatch_create(
    ctx: IngestContext,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Result<Json<LambdaAccepted>, ApiError> {
    let limit = ctx.state().config.max_body_bytes;
    let payload = decode_body(&body, limit)
        .map_err(|e| ApiError::BadRequest(format!("nothing was stored: {e}")))?;
    let region = header(&headers, "x-faasight-region")
        .or(query.get("region").map(String::as_str))
        .unwrap_or("")
        .to_string();
    let mut accepted = LambdaAccepted::default();
    store_subscription(&ctx, "cloudwatch", payload, &region, &mut accepted).await?;
    Ok(Json(accepted))
}
