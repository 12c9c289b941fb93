//! What the Lambda receivers share: events of one environment are
//! assembled into invocations and normalized; the receiver submits the
//! rows of a whole request at once, and puts the environments back as they
//! were when that fails, so the sender's retry finds the same state.

use crate::codecs::lambda::LambdaEvent;
use crate::normalize::normalize;
use crate::pipeline::Batch;
use crate::server::IngestContext;
use crate::transforms::lambda_env::{Assembled, FunctionIdentity, Undo};
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

impl LambdaAccepted {
    /// Counts a refused event or record, keeping the first 20 reasons.
    pub fn reject(&mut self, reason: String) {
        self.rejected += 1;
        if self.errors.len() < 20 {
            self.errors.push(reason);
        }
    }
}

/// The rows of one request, and how to undo what assembling them did to
/// the environment table.
#[derive(Default)]
pub struct LambdaRows {
    batch: Batch,
    undo: Vec<Undo>,
    /// What the request's payloads are expected to become, in bytes.
    expanded: usize,
}

impl LambdaRows {
    /// Counts `bytes` of rows a payload of the request will become, and
    /// refuses the request (413) once the total passes `limit` — before
    /// the rows are built.
    pub fn charge(&mut self, bytes: usize, limit: usize) -> Result<(), ApiError> {
        self.expanded = self.expanded.saturating_add(bytes);
        if self.expanded > limit {
            return Err(ApiError::TooLarge(format!(
                "nothing was stored: the request's log events would become more than {} MiB of rows",
                limit >> 20
            )));
        }
        Ok(())
    }

    /// Adds rows that need no assembling (log lines of other log groups).
    pub fn add_logs(&mut self, logs: Vec<faasight_store::LogRow>, accepted: &mut LambdaAccepted) {
        accepted.logs += logs.len();
        self.batch.logs.extend(logs);
    }

    /// Assembles and normalizes the events of one environment.
    pub fn add_events(
        &mut self,
        ctx: &IngestContext,
        identity: &FunctionIdentity,
        events: Vec<(LambdaEvent, DateTime<Utc>)>,
        accepted: &mut LambdaAccepted,
    ) -> Result<(), ApiError> {
        let (assembled, undo) = assemble(ctx, identity, events)?;
        self.undo.push(undo);
        for e in assembled.rejected {
            accepted.reject(e);
        }
        let now = Utc::now();
        for mut row in assembled.invocations {
            match normalize(&mut row, now) {
                Ok(()) => self.batch.invocations.push(row),
                Err(e) => accepted.reject(format!("request {}: {e}", row.request_id)),
            }
        }
        accepted.invocations = self.batch.invocations.len();
        accepted.logs += assembled.logs.len();
        self.batch.logs.extend(assembled.logs);
        Ok(())
    }

    /// Submits every row at once (one acknowledgement: all stored, or
    /// none); on failure the environments are put back as they were.
    pub async fn submit(self, ctx: &IngestContext, receiver: &'static str) -> Result<(), ApiError> {
        let result = ctx.submit(receiver, self.batch).await;
        if result.is_err() {
            let mut envs = lock_envs(ctx);
            for undo in self.undo.into_iter().rev() {
                envs.undo(undo);
            }
        }
        result
    }
}

fn lock_envs(
    ctx: &IngestContext,
) -> std::sync::MutexGuard<'_, crate::transforms::lambda_env::Assembler> {
    // A lock poisoned anyway (a panic outside `assemble`'s guard) is taken
    // over rather than refusing everyone until a restart: the table is a
    // map of small records, consistent between calls.
    ctx.state()
        .lambda_envs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Feeds the events to the shared environment table. A panic while doing
/// so (a bug; hostile input must not find one, but if it does) is caught
/// inside the lock: that one environment's state is forgotten, the request
/// answered 500, and the table stays usable for every other request and
/// tenant.
fn assemble(
    ctx: &IngestContext,
    identity: &FunctionIdentity,
    events: Vec<(LambdaEvent, DateTime<Utc>)>,
) -> Result<(Assembled, Undo), ApiError> {
    let mut envs = lock_envs(ctx);
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        envs.push_undoable(identity, events)
    })) {
        Ok(done) => Ok(done),
        Err(_) => {
            envs.forget(identity);
            Err(ApiError::Internal(format!(
                "assembling the events of function {:?} failed; its environment state was reset",
                identity.function
            )))
        }
    }
}

/// A header's value, trimmed, if present and not empty.
pub fn header<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
