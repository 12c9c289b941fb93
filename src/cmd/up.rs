//! `faasight up`: the whole product in one process tree.

use super::InputError;
use crate::cli::UpArgs;
use faasight_collector::auth::Auth;
use faasight_collector::pipeline::{Pipeline, PipelineConfig};
use faasight_collector::telemetry::Metrics;
use faasight_collector::{CollectorConfig, CollectorState};
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::Store;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

async fn bind(addr: std::net::SocketAddr, what: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|e| {
        InputError(format!(
            "cannot listen on {addr} for the {what} ({e}); pick another address with --{}-listen",
            what.replace(' ', "-")
        ))
        .into()
    })
}

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    // Claim the ports first: failing after ClickHouse started would be slower
    // and leave more to clean up.
    let collector_listener = bind(args.collector_listen, "collector").await?;
    let grpc_listener = bind(args.otlp_grpc_listen, "otlp grpc").await?;
    let web_listener = bind(args.web_listen, "web").await?;

    let mut local = None;
    let store = match &args.clickhouse_url {
        Some(url) => super::connect(url).await?,
        None => {
            let mut cfg = LocalConfig::new(&args.data_dir);
            cfg.http_port = args.clickhouse_http_port;
            cfg.tcp_port = args.clickhouse_tcp_port;
            let server = LocalClickHouse::start(&cfg).await?;
            eprintln!(
                "clickhouse: private server on {} (data in {})",
                server.url().base,
                args.data_dir.display()
            );
            let store = Store::connect(server.url());
            local = Some(server);
            store
        }
    };
    let result = serve(
        &args,
        store,
        [collector_listener, grpc_listener, web_listener],
    )
    .await;
    if let Some(server) = local {
        eprintln!("clickhouse: stopping");
        server.stop().await?;
    }
    result
}

async fn serve(args: &UpArgs, store: Store, listeners: [TcpListener; 3]) -> anyhow::Result<()> {
    let [collector_listener, grpc_listener, web_listener] = listeners;
    let report = super::migrate_quietly(&store).await?;
    if !report.applied.is_empty() {
        eprintln!("migrations: applied {:?}", report.applied);
    }
    if args.demo {
        let existing: u64 = store
            .client()
            .query("SELECT count() FROM invocations WHERE source = 'demo' AND tenant = ?")
            .bind(args.demo_args.tenant.as_str())
            .fetch_one()
            .await?;
        if existing > 0 {
            eprintln!("demo-data: {existing} demo invocations already loaded, reusing them");
        } else {
            super::demo_data::load(&store, &super::demo_data::config(&args.demo_args)?).await?;
        }
    }

    let auth = ingest_auth(args)?;
    if !auth.enabled() {
        eprintln!("collector: no ingest tokens configured (FAASIGHT_INGEST_TOKENS or --tokens-file); accepting unauthenticated data for tenant \"default\"");
    }
    let metrics = Arc::new(Metrics::default());
    let (pipeline, writer) = Pipeline::start(
        store.clone(),
        PipelineConfig::new(args.data_dir.join("spool")),
        metrics.clone(),
    )?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let state = CollectorState::new(
        pipeline,
        store.clone(),
        auth,
        metrics,
        CollectorConfig::default(),
    );
    let grpc = faasight_collector::receivers::otlp_grpc::serve(
        grpc_listener,
        state.clone(),
        stopped(stop_rx.clone()),
    );
    let collector = axum::serve(collector_listener, faasight_collector::router(state))
        .with_graceful_shutdown(stopped(stop_rx.clone()));
    let site_root = args.site_root.clone();
    if !site_root.join("pkg").is_dir() {
        eprintln!(
            "web: no browser bundle in {}/pkg; pages render without interactivity (build it with scripts/build-web.sh)",
            site_root.display()
        );
    }
    let web = faasight_web::serve(
        web_listener,
        faasight_web::WebConfig {
            store,
            tenant: args.demo_args.tenant.clone(),
            site_root,
        },
        stopped(stop_rx),
    );
    println!("faasight is up:");
    println!("  web UI     http://{}/", args.web_listen);
    println!(
        "  collector  http://{} (OTLP/HTTP /v1/traces /v1/logs /v1/metrics, /v1/invocations, /v1/lambda/telemetry, /v1/cloudwatch, /v1/firehose)",
        args.collector_listen
    );
    println!("  OTLP/gRPC  {}", args.otlp_grpc_listen);
    println!("Press Ctrl-C to stop.");

    let signal = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => r,
            _ = term.recv() => Ok(()),
        }
    };
    let collector = tokio::spawn(async move { collector.await });
    let grpc = tokio::spawn(grpc);
    let web = tokio::spawn(web);
    signal.await?;
    eprintln!("\nshutting down");
    let _ = stop_tx.send(true);
    collector.await??;
    grpc.await??;
    web.await??;
    // The server dropped the last pipeline handle: the writer drains what
    // was accepted (spooling it if ClickHouse is gone) and ends.
    writer.await?;
    Ok(())
}

fn ingest_auth(args: &UpArgs) -> anyhow::Result<Auth> {
    let auth = match (&args.tokens_file, std::env::var("FAASIGHT_INGEST_TOKENS")) {
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
    Ok(auth)
}
