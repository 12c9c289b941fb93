//! The exporter's HTTP client: hyper on the telemetry thread's own runtime.
//!
//! The OTLP exporter calls the client from two places that have no tokio
//! runtime of their own: the span queue's task (ours, on the telemetry
//! runtime) and the SDK's metric reader thread (which polls the export
//! future with a plain executor). Every request is therefore spawned onto
//! the telemetry runtime and only its result awaited, which works under any
//! executor. The serving runtime never runs an export: a slow or dead
//! endpoint cannot take threads or time from ingest.

use bytes::Bytes;
use http::{HeaderValue, Request, Response};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use opentelemetry_http::{HttpClient, HttpError};
use std::time::Duration;

use crate::SELF_TELEMETRY_HEADER;

/// Largest response body read back (an OTLP response is a few bytes; a
/// partial-success message a few hundred).
const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// A plain-HTTP client whose requests run on `runtime`.
#[derive(Debug, Clone)]
pub struct RuntimeHttpClient {
    runtime: tokio::runtime::Handle,
    client: Client<HttpConnector, Full<Bytes>>,
    timeout: Duration,
}

impl RuntimeHttpClient {
    /// A client spawning onto `runtime`, each request (connect, send,
    /// read) given at most `timeout`.
    pub fn new(runtime: tokio::runtime::Handle, timeout: Duration) -> RuntimeHttpClient {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(2)
            .build(connector);
        RuntimeHttpClient {
            runtime,
            client,
            timeout,
        }
    }
}

#[async_trait::async_trait]
impl HttpClient for RuntimeHttpClient {
    async fn send_bytes(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let client = self.client.clone();
        let timeout = self.timeout;
        let (mut parts, body) = request.into_parts();
        parts
            .headers
            .insert(SELF_TELEMETRY_HEADER, HeaderValue::from_static("1"));
        let request = Request::from_parts(parts, Full::new(body));
        let task = self.runtime.spawn(async move {
            let exchange = async {
                let response = client.request(request).await?;
                let (parts, body) = response.into_parts();
                let body = Limited::new(body, MAX_RESPONSE_BYTES)
                    .collect()
                    .await?
                    .to_bytes();
                Ok::<_, HttpError>(Response::from_parts(parts, body))
            };
            match tokio::time::timeout(timeout, exchange).await {
                Ok(result) => result,
                Err(_) => Err(format!("no answer within {timeout:?}").into()),
            }
        });
        task.await?
    }
}
