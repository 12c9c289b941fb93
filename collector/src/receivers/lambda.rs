//! What the Lambda receivers share: events of one environment are
//! assembled into invocations, normalized and submitted with their logs.

use crate::codecs::lambda::LambdaEvent;
use crate::normalize::normalize;
use crate::pipeline::Batch;
use crate::server::IngestContext;
use crate::transforms::lambda_env::FunctionIdentity;
use crate::ApiError;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a Lambda receiver stored.
#[derive(Debug, Default, Serialize)]
pub struct LambdaAccepted {
    /// Invocation records completed by these events.
    pub invocations: usize,
    /// Log records.
    pub logs: usize,
    /// Events or records refused, with their reasons (at most 20 listed).
    pub rejected: usize,
    /// The reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Assembles, normalizes and submits the events of one environment.
pub async fn submit_events(
    ctx: &IngestContext,
    receiver: &'static str,
    identity: &FunctionIdentity,
    events: Vec<(LambdaEvent, DateTime<Utc>)>,
    accepted: &mut LambdaAccepted,
) -> Result<(), ApiError> {
    let assembled = {
        let mut envs = ctx.state().lambda_envs.lock().map_err(|_| {
            ApiError::Unavailable("the Lambda environment table is poisoned".into())
        })?;
        envs.push(identity, events)
    };
    let now = Utc::now();
    let mut invocations = Vec::with_capacity(assembled.invocations.len());
    for mut row in assembled.invocations {
        match normalize(&mut row, now) {
            Ok(()) => invocations.push(row),
            Err(e) => {
                accepted.rejected += 1;
                if accepted.errors.len() < 20 {
                    accepted
                        .errors
                        .push(format!("request {}: {e}", row.request_id));
                }
            }
        }
    }
    accepted.invocations += invocations.len();
    accepted.logs += assembled.logs.len();
    ctx.submit(
        receiver,
        Batch {
            invocations,
            logs: assembled.logs,
            ..Default::default()
        },
    )
    .await
}

/// A header's value, trimmed, if present and not empty.
pub fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
