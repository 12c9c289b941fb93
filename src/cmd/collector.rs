//! `faasight collector`: the collector alone (OTLP/HTTP and the other HTTP
//! receivers, OTLP/gRPC, the write pipeline and its spool) against an
//! existing ClickHouse. `faasight up` runs the same pieces next to the web
//! UI and a private ClickHouse.

use super::InputError;
use crate::cli::CollectorArgs;
use faasight_collector::auth::Auth;
use faasight_collector::connections::LimitedListener;
use faasight_collector::pipeline::{Pipeline, PipelineConfig};
use faasight_collector::telemetry::Metrics;
use faasight_collector::transforms::lambda_env::Assembler;
use faasight_collector::{CollectorConfig, CollectorState};
use faasight_store::Store;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Binds `addr`, or says which flag picks another address.
pub(crate) async fn bind(addr: std::net::SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    // A port in use is a failure of the environment (exit 1), not of the
    // input: the same command works once the port is free.
    TcpListener::bind(addr).await.map_err(|e| {
        anyhow::anyhow!(
            "cannot listen on {addr} for the {what} ({e}); pick another address with --{}-listen",
            what.replace(' ', "-")
        )
    })
}

/// Ingest tokens from `--tokens-file`, else FAASIGHT_INGEST_TOKENS, else none.
pub(crate) fn ingest_auth(tokens_file: Option<&Path>) -> anyhow::Result<Auth> {
    let auth = match (tokens_file, std::env::var("FAASIGHT_INGEST_TOKENS")) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
            Auth::from_file_text(&text)
                .map_err(|e| InputError(format!("{}: {e}", path.display())))?
        }
        (None, Ok(value)) => Auth::from_env_value(&value)
            .map_err(|e| InputError(format!("FAASIGHT_INGEST_TOKENS: {e}")))?,
        (None, Err(_)) => Auth::disabled(),
    };
    if !auth.enabled() {
        eprintln!("collector: no ingest tokens configured (FAASIGHT_INGEST_TOKENS or --tokens-file); accepting unauthenticated data for tenant \"default\"");
    }
    Ok(auth)
}

/// Where the Lambda environment state is kept between runs (next to the
/// spool: both are what a restart must not lose).
const LAMBDA_ENVIRONMENTS_FILE: &str = "lambda-environments.json";

/// A running collector: its servers and its writer.
pub(crate) struct RunningCollector {
    http: JoinHandle<anyhow::Result<()>>,
    grpc: JoinHandle<anyhow::Result<()>>,
    writer: JoinHandle<()>,
    retention: Option<JoinHandle<()>>,
    materialize: Option<JoinHandle<()>>,
    lambda_envs: Arc<std::sync::Mutex<Assembler>>,
    lambda_envs_file: PathBuf,
}

/// What a running collector needs.
pub(crate) struct CollectorSetup {
    pub store: Store,
    pub auth: Auth,
    pub spool_dir: PathBuf,
    pub max_queued_rows: Option<usize>,
    pub http: TcpListener,
    pub grpc: TcpListener,
    /// Retention's daily pass, when asked for.
    pub retention: Option<faasight_store::retention::Retention>,
    /// Seconds between materialize passes (0: none).
    pub materialize_every: u64,
}

impl RunningCollector {
    /// Starts the pipeline and both servers; they stop when `stop` turns true.
    pub(crate) fn start(
        setup: CollectorSetup,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<RunningCollector> {
        let metrics = Arc::new(Metrics::default());
        metrics.observe_with_opentelemetry();
        let lambda_envs_file = setup.spool_dir.join(LAMBDA_ENVIRONMENTS_FILE);
        let mut config = PipelineConfig::new(setup.spool_dir);
        config.cluster_nodes = super::cluster_nodes();
        if let Some(rows) = setup.max_queued_rows {
            config.max_queued_rows = rows;
        }
        let (pipeline, writer) = Pipeline::start(setup.store.clone(), config, metrics.clone())?;
        let retention = setup.retention.map(|r| {
            tokio::spawn(super::retention::daily(
                setup.store.clone(),
                r,
                stop.clone(),
            ))
        });
        let materialize = (setup.materialize_every > 0).then(|| {
            tokio::spawn(super::materialize::every(
                setup.store.clone(),
                std::time::Duration::from_secs(setup.materialize_every),
                stop.clone(),
            ))
        });
        let envs = Assembler::load(&lambda_envs_file).map_err(|e| {
            InputError(format!(
                "cannot restore the Lambda environments the last run saved: {e}; move the file away to start without them"
            ))
        })?;
        if envs.environments() > 0 {
            eprintln!(
                "collector: restored {} Lambda execution environments from the last run",
                envs.environments()
            );
        }
        let state = CollectorState::new(
            pipeline,
            setup.store,
            setup.auth,
            metrics,
            CollectorConfig::default(),
        );
        *state.lambda_envs.lock().unwrap_or_else(|e| e.into_inner()) = envs;
        let lambda_envs = state.lambda_envs.clone();
        let stopped = |mut rx: watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|s| *s).await;
        };
        // One bound on open connections for both listeners.
        let connections = Arc::new(tokio::sync::Semaphore::new(state.config.max_connections));
        let limited = |l| LimitedListener::new(l, connections.clone());
        let grpc = faasight_collector::receivers::otlp_grpc::serve(
            limited(setup.grpc),
            state.clone(),
            stopped(stop.clone()),
        );
        let grpc = tokio::spawn(async move { Ok(grpc.await?) });
        let http = axum::serve(limited(setup.http), faasight_collector::router(state))
            .with_graceful_shutdown(stopped(stop));
        let http = tokio::spawn(async move { Ok(http.await?) });
        Ok(RunningCollector {
            http,
            grpc,
            writer,
            retention,
            materialize,
            lambda_envs,
            lambda_envs_file,
        })
    }

    /// Waits for the servers to stop (after the stop signal) and for the
    /// writer to store what it holds in memory (the spool keeps the rest).
    pub(crate) async fn finish(self) -> anyhow::Result<()> {
        self.http.await??;
        self.grpc.await??;
        if let Some(retention) = self.retention {
            retention.await?;
        }
        if let Some(materialize) = self.materialize {
            materialize.await?;
        }
        // No request is in flight any more: the environments' state is
        // final. Saved so that inits waiting for their first invocation
        // are not lost by the restart.
        save_lambda_envs(&self.lambda_envs, &self.lambda_envs_file)?;
        // The servers dropped the last pipeline handle: the writer drains
        // what was accepted (spooling it if ClickHouse is gone) and ends.
        self.writer.await?;
        Ok(())
    }
}

/// Writes the Lambda environment state for the next start, if there is any.
fn save_lambda_envs(envs: &std::sync::Mutex<Assembler>, file: &Path) -> anyhow::Result<()> {
    let envs = envs.lock().unwrap_or_else(|e| e.into_inner());
    if envs.environments() > 0 {
        envs.save(file).map_err(|e| {
            anyhow::anyhow!(
                "cannot save the Lambda environments to {}: {e}",
                file.display()
            )
        })?;
    }
    Ok(())
}

/// Waits for Ctrl-C or SIGTERM.
pub(crate) async fn shutdown_signal() -> anyhow::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

pub async fn run(args: CollectorArgs) -> anyhow::Result<()> {
    let retention = args.keep.retention()?;
    let http = bind(args.listen, "collector").await?;
    let grpc = bind(args.otlp_grpc_listen, "otlp grpc").await?;
    let store = super::connect_db(&args.db).await?;
    let report = super::migrate_quietly(&store).await?;
    if !report.applied.is_empty() {
        eprintln!("migrations: applied {:?}", report.applied);
    }
    let auth = ingest_auth(args.tokens_file.as_deref())?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let running = RunningCollector::start(
        CollectorSetup {
            store,
            auth,
            spool_dir: args.spool_dir,
            max_queued_rows: args.max_queued_rows,
            http,
            grpc,
            retention,
            materialize_every: args.materialize.materialize_every,
        },
        stop_rx,
    )?;
    println!(
        "collector: http://{} (OTLP/HTTP and the other receivers), OTLP/gRPC {}",
        args.listen, args.otlp_grpc_listen
    );
    shutdown_signal().await?;
    eprintln!("collector: shutting down");
    let _ = stop_tx.send(true);
    running.finish().await
}
