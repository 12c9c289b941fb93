//! CloudWatch Logs subscription payloads and Amazon Data Firehose HTTP
//! endpoint deliveries.
//!
//! A subscription filter delivers `{"messageType":"DATA_MESSAGE","owner":…,
//! "logGroup":"/aws/lambda/NAME","logStream":"2024/01/02/[$LATEST]abc…",
//! "subscriptionFilters":[…],"logEvents":[{"id","timestamp","message"}]}`,
//! gzip-compressed; Lambda destinations receive it base64-encoded inside
//! `{"awslogs":{"data":"…"}}`, Firehose puts each gzipped payload in a
//! base64 record of its HTTP endpoint request
//! `{"requestId","timestamp","records":[{"data":"…"}]}`.
//! Sources: <https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/SubscriptionFilters.html>,
//! <https://docs.aws.amazon.com/firehose/latest/dev/httpdeliveryrequestresponse.html>.

use super::gzip::{self, GzipError};
use base64::Engine;
use serde::Deserialize;

/// One log event of a subscription payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LogEvent {
    /// CloudWatch's event id.
    #[serde(default)]
    pub id: String,
    /// Epoch milliseconds.
    pub timestamp: i64,
    /// The log line.
    pub message: String,
}

/// A decoded subscription payload.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    /// `DATA_MESSAGE` or `CONTROL_MESSAGE` (a connectivity check; no events).
    pub message_type: String,
    /// AWS account id.
    #[serde(default)]
    pub owner: String,
    /// e.g. `/aws/lambda/orders`.
    #[serde(default)]
    pub log_group: String,
    /// e.g. `2024/01/02/[$LATEST]0123abcd…`: one execution environment.
    #[serde(default)]
    pub log_stream: String,
    /// The events.
    #[serde(default)]
    pub log_events: Vec<LogEvent>,
}

impl Subscription {
    /// The Lambda function of a `/aws/lambda/NAME` log group.
    pub fn function(&self) -> Option<&str> {
        self.log_group
            .strip_prefix("/aws/lambda/")
            .filter(|n| !n.is_empty())
    }

    /// The version in a Lambda log stream name (`…/[VERSION]hex`).
    pub fn version(&self) -> Option<&str> {
        let start = self.log_stream.find('[')? + 1;
        let end = self.log_stream[start..].find(']')? + start;
        Some(&self.log_stream[start..end])
    }
}

/// Why a payload was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CloudWatchError {
    /// Not JSON of the expected shape.
    #[error("not a CloudWatch Logs subscription payload: {0}")]
    Json(String),
    /// `awslogs.data` or a record is not base64.
    #[error("invalid base64: {0}")]
    Base64(String),
    /// Bad or oversized gzip.
    #[error(transparent)]
    Gzip(#[from] GzipError),
}

fn base64_decode(text: &str) -> Result<Vec<u8>, CloudWatchError> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| CloudWatchError::Base64(e.to_string()))
}

/// Decodes a gzipped (or plain JSON) subscription payload.
pub fn decode_payload(bytes: &[u8], limit: usize) -> Result<Subscription, CloudWatchError> {
    let json = if gzip::is_gzip(bytes) {
        gzip::decompress(bytes, limit)?
    } else {
        bytes.to_vec()
    };
    serde_json::from_slice(&json).map_err(|e| CloudWatchError::Json(e.to_string()))
}

/// Decodes what a subscription delivers to an HTTP endpoint or a Lambda
/// function: `{"awslogs":{"data":"<base64 gzip>"}}`, the gzipped payload
/// itself, or the decoded JSON.
pub fn decode_body(body: &[u8], limit: usize) -> Result<Subscription, CloudWatchError> {
    #[derive(Deserialize)]
    struct Envelope {
        awslogs: Data,
    }
    #[derive(Deserialize)]
    struct Data {
        data: String,
    }
    if gzip::is_gzip(body) {
        return decode_payload(body, limit);
    }
    if let Ok(envelope) = serde_json::from_slice::<Envelope>(body) {
        return decode_payload(&base64_decode(&envelope.awslogs.data)?, limit);
    }
    decode_payload(body, limit)
}

/// A Firehose HTTP endpoint delivery request.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FirehoseRequest {
    /// Echoed in the response.
    pub request_id: String,
    /// Epoch ms when Firehose sent it.
    #[serde(default)]
    pub timestamp: i64,
    /// Base64 records.
    #[serde(default)]
    pub records: Vec<FirehoseRecord>,
}

/// One Firehose record.
#[derive(Debug, Clone, Deserialize)]
pub struct FirehoseRecord {
    /// Base64 of the record's bytes.
    pub data: String,
}

/// Decodes a Firehose request body.
pub fn decode_firehose(body: &[u8]) -> Result<FirehoseRequest, CloudWatchError> {
    serde_json::from_slice(body).map_err(|e| CloudWatchError::Json(e.to_string()))
}

/// Decodes one Firehose record holding a gzipped subscription payload.
pub fn decode_firehose_record(
    record: &FirehoseRecord,
    limit: usize,
) -> Result<Subscription, CloudWatchError> {
    decode_payload(&base64_decode(&record.data)?, limit)
}

/// Decodes every record of a delivery under **one** budget of `limit`
/// bytes for all their decompressed payloads together: a delivery of a
/// hundred small records that each inflate to the limit would otherwise
/// hold a hundred times the limit in memory. The error names the record.
pub fn decode_firehose_records(
    request: &FirehoseRequest,
    limit: usize,
) -> Result<Vec<Subscription>, (usize, CloudWatchError)> {
    let mut left = limit;
    let mut out = Vec::with_capacity(request.records.len());
    for (n, record) in request.records.iter().enumerate() {
        let bytes = base64_decode(&record.data).map_err(|e| (n, e))?;
        let json = if gzip::is_gzip(&bytes) {
            gzip::decompress(&bytes, left).map_err(|e| match e {
                GzipError::TooLarge(_) => (n, CloudWatchError::Gzip(GzipError::TooLarge(limit))),
                e => (n, e.into()),
            })?
        } else {
            bytes
        };
        left = left
            .checked_sub(json.len())
            .ok_or((n, CloudWatchError::Gzip(GzipError::TooLarge(limit))))?;
        out.push(
            serde_json::from_slice(&json).map_err(|e| (n, CloudWatchError::Json(e.to_string())))?,
        );
    }
    Ok(out)
}

impl CloudWatchError {
    /// Whether the payload was refused for its size (HTTP 413) rather than
    /// its form (400).
    pub fn is_too_large(&self) -> bool {
        matches!(self, CloudWatchError::Gzip(GzipError::TooLarge(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(crate) fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    const PAYLOAD: &str = r#"{"messageType":"DATA_MESSAGE","owner":"123456789012","logGroup":"/aws/lambda/orders","logStream":"2024/01/02/[$LATEST]0123abcd","subscriptionFilters":["all"],"logEvents":[{"id":"1","timestamp":1704153600000,"message":"START RequestId: 6f7f0961-f834-4211-8a7a-f6fe80b88d56 Version: $LATEST\n"}]}"#;

    #[test]
    fn decodes_every_envelope() {
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz(PAYLOAD.as_bytes()));
        let wrapped = format!(r#"{{"awslogs":{{"data":"{b64}"}}}}"#);
        for body in [
            wrapped.into_bytes(),
            gz(PAYLOAD.as_bytes()),
            PAYLOAD.as_bytes().to_vec(),
        ] {
            let s = decode_body(&body, 1 << 20).unwrap();
            assert_eq!(
                (s.function(), s.version(), s.owner.as_str()),
                (Some("orders"), Some("$LATEST"), "123456789012")
            );
            assert_eq!(s.log_events.len(), 1);
        }
        let firehose =
            format!(r#"{{"requestId":"r-1","timestamp":1,"records":[{{"data":"{b64}"}}]}}"#);
        let req = decode_firehose(firehose.as_bytes()).unwrap();
        assert_eq!(
            decode_firehose_record(&req.records[0], 1 << 20)
                .unwrap()
                .log_group,
            "/aws/lambda/orders"
        );
    }

    #[test]
    fn refuses_bad_payloads_clearly() {
        assert!(matches!(
            decode_body(b"{\"awslogs\":{\"data\":\"!!\"}}", 1024),
            Err(CloudWatchError::Base64(_))
        ));
        assert!(matches!(
            decode_body(b"[1,2]", 1024),
            Err(CloudWatchError::Json(_))
        ));
        let bomb = gz(&vec![b' '; 5_000_000]);
        assert!(matches!(
            decode_body(&bomb, 1_000_000),
            Err(CloudWatchError::Gzip(GzipError::TooLarge(_)))
        ));
    }

    #[test]
    fn a_firehose_delivery_has_one_budget_for_all_its_records() {
        // Each record inflates to 400 kB, under the 1 MB limit on its own;
        // the third passes the limit for the delivery.
        let mut padded = PAYLOAD.to_string();
        padded.insert_str(1, &format!(r#""pad":"{}","#, " ".repeat(400_000)));
        let b64 = base64::engine::general_purpose::STANDARD.encode(gz(padded.as_bytes()));
        let delivery = |n: usize| {
            let records = vec![format!(r#"{{"data":"{b64}"}}"#); n].join(",");
            decode_firehose(format!(r#"{{"requestId":"r","records":[{records}]}}"#).as_bytes())
                .unwrap()
        };
        assert_eq!(
            decode_firehose_records(&delivery(2), 1_000_000)
                .unwrap()
                .len(),
            2
        );
        let (n, e) = decode_firehose_records(&delivery(3), 1_000_000).unwrap_err();
        assert_eq!(n, 2);
        assert!(e.is_too_large(), "{e}");
        // Plain JSON records count against the budget too.
        let plain = base64::engine::general_purpose::STANDARD.encode(padded.as_bytes());
        let records = vec![format!(r#"{{"data":"{plain}"}}"#); 3].join(",");
        let req =
            decode_firehose(format!(r#"{{"requestId":"r","records":[{records}]}}"#).as_bytes())
                .unwrap();
        assert_eq!(decode_firehose_records(&req, 1_000_000).unwrap_err().0, 2);
    }
}
