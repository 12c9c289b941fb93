//! `POST /v1/firehose`: the Amazon Data Firehose HTTP endpoint delivery
//! contract, for CloudWatch Logs subscriptions streamed through Firehose.
//!
//! Firehose authenticates with the `X-Amz-Firehose-Access-Key` header (an
//! ingest token here), sends `{"requestId","timestamp","records":[{"data"}]}`
//! with each record a base64 gzipped subscription payload, and expects
//! `{"requestId": <same>, "timestamp": <ms>}` back, with `errorMessage`
//! added on failure; it retries anything but a 200, with the same
//! `requestId`.
//! Source: <https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html>.
//!
//! A delivery is all or nothing: every record is decoded (under one size
//! budget for the whole delivery) before anything is stored, its rows are
//! submitted as one batch, and the `requestId` of a stored delivery is
//! remembered so that a retry of it (Firehose saw a timeout, though the
//! rows were stored) is acknowledged without storing them twice.

use super::cloudwatch::add_subscription;
use super::lambda::{header, LambdaAccepted, LambdaRows};
use crate::codecs::cloudwatch::{decode_firehose, decode_firehose_records};
use crate::server::{CollectorState, IngestContext};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// How long a stored delivery's id is remembered: Firehose retries a
/// delivery for at most 7,200 s (its `RetryOptions.DurationInSeconds`).
pub const DELIVERY_MEMORY: Duration = Duration::from_secs(7_200);
/// Delivery ids remembered at most, over all tenants (oldest forgotten first).
pub const MAX_REMEMBERED_DELIVERIES: usize = 200_000;
/// Longest delivery id accepted (Firehose's are UUIDs).
pub const MAX_REQUEST_ID_BYTES: usize = 512;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delivery {
    /// Being stored by another request right now.
    InProgress,
    /// Stored.
    Stored,
}

/// The `requestId`s of deliveries stored (or being stored), per tenant.
#[derive(Debug, Default)]
pub struct RecentDeliveries {
    /// Each delivery with when it was claimed.
    state: HashMap<(String, String), (Delivery, Instant)>,
    /// Claims, oldest first; an entry whose time differs from the state's
    /// is stale (the delivery failed and was claimed again).
    order: VecDeque<(Instant, (String, String))>,
}

impl RecentDeliveries {
    fn forget_old(&mut self, now: Instant) {
        while let Some((at, key)) = self.order.front() {
            let expired = now.duration_since(*at) > DELIVERY_MEMORY;
            if !expired && self.state.len() <= MAX_REMEMBERED_DELIVERIES {
                break;
            }
            if self
                .state
                .get(key)
                .is_some_and(|(_, claimed)| claimed == at)
            {
                self.state.remove(key);
            }
            self.order.pop_front();
        }
    }

    /// Claims a delivery: `None` when it is new (and now in progress),
    /// otherwise where it stands.
    fn claim(&mut self, key: (String, String), now: Instant) -> Option<Delivery> {
        self.forget_old(now);
        if let Some((d, _)) = self.state.get(&key) {
            return Some(*d);
        }
        self.state.insert(key.clone(), (Delivery::InProgress, now));
        self.order.push_back((now, key));
        None
    }

    fn finish(&mut self, key: &(String, String), stored: bool) {
        if stored {
            if let Some((d, _)) = self.state.get_mut(key) {
                *d = Delivery::Stored;
            }
        } else {
            // Its entry in `order` goes stale.
            self.state.remove(key);
        }
    }
}

/// Ends a delivery's claim when dropped: stored, or not (then a retry is
/// a new delivery).
struct Settle {
    deliveries: std::sync::Arc<std::sync::Mutex<RecentDeliveries>>,
    key: (String, String),
    stored: bool,
}

impl Drop for Settle {
    fn drop(&mut self) {
        self.deliveries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .finish(&self.key, self.stored);
    }
}

fn answer(status: StatusCode, request_id: &str, error: Option<String>) -> Response {
    let mut body = serde_json::json!({ "requestId": request_id, "timestamp": chrono::Utc::now().timestamp_millis() });
    if let Some(e) = error {
        body["errorMessage"] = e.into();
    }
    let mut response = (status, Json(body)).into_response();
    if matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
    ) {
        response.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from_static("2"),
        );
    }
    response
}

/// Handles one delivery.
pub async fn firehose_create(
    State(state): State<CollectorState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header_id = header(&headers, "x-amz-firehose-request-id")
        .unwrap_or("")
        .to_string();
    let ctx = match IngestContext::new(&state, &headers) {
        Ok(ctx) => ctx,
        Err(e) => return answer(e.status(), &header_id, Some(e.to_string())),
    };
    let request = match decode_firehose(&body) {
        Ok(r) => r,
        Err(e) => return answer(StatusCode::BAD_REQUEST, &header_id, Some(e.to_string())),
    };
    let request_id = request.request_id.clone();
    let payloads = match decode_firehose_records(&request, state.config.max_body_bytes) {
        Ok(p) => p,
        Err((n, e)) => {
            let status = if e.is_too_large() {
                StatusCode::PAYLOAD_TOO_LARGE
            } else {
                StatusCode::BAD_REQUEST
            };
            return answer(status, &request_id, Some(format!("record {n}: {e}")));
        }
    };
    drop(request);
    if request_id.is_empty() || request_id.len() > MAX_REQUEST_ID_BYTES {
        return answer(
            StatusCode::BAD_REQUEST,
            &request_id,
            Some(format!(
                "requestId must be 1 to {MAX_REQUEST_ID_BYTES} bytes (Firehose sends a UUID)"
            )),
        );
    }
    let key = (ctx.tenant.clone(), request_id.clone());
    let claimed = state
        .firehose_deliveries
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .claim(key.clone(), Instant::now());
    match claimed {
        Some(Delivery::Stored) => return answer(StatusCode::OK, &request_id, None),
        Some(Delivery::InProgress) => {
            return answer(
                StatusCode::SERVICE_UNAVAILABLE,
                &request_id,
                Some("this delivery is being stored by an earlier attempt; retry later".into()),
            )
        }
        None => {}
    }
    let region = header(&headers, "x-faasight-region")
        .unwrap_or("")
        .to_string();
    // Stored and its claim settled in a task of its own: if this handler
    // is dropped (the client went away, a timeout), the claim must still
    // end, or every retry of the delivery would be refused for two hours.
    // A panic in the task settles it as failed (the guard's drop).
    let settle = Settle {
        deliveries: state.firehose_deliveries.clone(),
        key,
        stored: false,
    };
    let stored = tokio::spawn(async move {
        let mut settle = settle;
        let result = store(&ctx, payloads, &region).await;
        settle.stored = result.is_ok();
        result
    });
    let result = stored.await.unwrap_or_else(|e| {
        Err(crate::ApiError::Internal(format!(
            "storing a Firehose delivery failed: {e}"
        )))
    });
    match result {
        Ok(()) => answer(StatusCode::OK, &request_id, None),
        Err(e) => answer(e.status(), &request_id, Some(e.to_string())),
    }
}

async fn store(
    ctx: &IngestContext,
    payloads: Vec<crate::codecs::cloudwatch::Subscription>,
    region: &str,
) -> Result<(), crate::ApiError> {
    let mut accepted = LambdaAccepted::default();
    let mut rows = LambdaRows::default();
    for payload in payloads {
        add_subscription(ctx, "firehose", payload, region, &mut rows, &mut accepted)?;
    }
    rows.submit(ctx, "firehose").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deliveries_are_remembered_per_tenant_and_forgotten_after_two_hours() {
        let mut d = RecentDeliveries::default();
        let t0 = Instant::now();
        let key = |t: &str, r: &str| (t.to_string(), r.to_string());
        assert_eq!(d.claim(key("a", "r1"), t0), None);
        assert_eq!(d.claim(key("a", "r1"), t0), Some(Delivery::InProgress));
        assert_eq!(d.claim(key("b", "r1"), t0), None, "another tenant's id");
        d.finish(&key("a", "r1"), true);
        assert_eq!(d.claim(key("a", "r1"), t0), Some(Delivery::Stored));
        d.finish(&key("b", "r1"), false);
        assert_eq!(
            d.claim(key("b", "r1"), t0),
            None,
            "a failed delivery is new again"
        );
        let later = t0 + DELIVERY_MEMORY + Duration::from_secs(1);
        assert_eq!(d.claim(key("a", "r1"), later), None);
    }
}
