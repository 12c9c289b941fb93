//! `faasight up`: the whole product in one process tree.

use super::collector::{bind, ingest_auth, shutdown_signal, CollectorSetup, RunningCollector};
use crate::cli::UpArgs;
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

pub async fn run(args: UpArgs) -> anyhow::Result<()> {
    // Refused before anything starts.
    let retention = args.keep.retention()?;
    // Claim the ports first: failing after ClickHouse started would be slower
    // and leave more to clean up.
    let collector_listener = bind(args.collector_listen, "collector").await?;
    let grpc_listener = bind(args.otlp_grpc_listen, "otlp grpc").await?;
    let web_listener = bind(args.web_listen, "web").await?;

    let mut local = None;
    let mut reader = None;
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
            reader = Some(Store::connect(server.reader_url()));
            local = Some(server);
            store
        }
    };
    // The web UI reads as the private server's read-only user; with an
    // external server, as the URL's user (give it a read-only one).
    let reader = reader.unwrap_or_else(|| store.clone());
    let result = serve(
        &args,
        retention,
        store,
        reader,
        [collector_listener, grpc_listener, web_listener],
    )
    .await;
    if let Some(server) = local {
        eprintln!("clickhouse: stopping");
        server.stop().await?;
    }
    result
}

async fn serve(
    args: &UpArgs,
    retention: Option<faasight_store::retention::Retention>,
    store: Store,
    reader: Store,
    listeners: [TcpListener; 3],
) -> anyhow::Result<()> {
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

    let auth = ingest_auth(args.tokens_file.as_deref())?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let collector = RunningCollector::start(
        CollectorSetup {
            store: store.clone(),
            auth,
            spool_dir: args.data_dir.join("spool"),
            max_queued_rows: None,
            http: collector_listener,
            grpc: grpc_listener,
            retention,
            materialize_every: args.materialize.materialize_every,
        },
        stop_rx.clone(),
    )?;
    let stopped = |mut rx: watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|s| *s).await;
    };
    let site_root = args.site_root.clone();
    if !site_root.join("pkg").is_dir() {
        eprintln!(
            "web: no browser bundle in {}/pkg; pages render without interactivity (build it with scripts/build-web.sh)",
            site_root.display()
        );
    }
    let (users_file, demo_password) = users(args)?;
    let web = faasight_web::serve(
        web_listener,
        faasight_web::WebConfig {
            store: reader,
            users_file,
            dashboards_dir: args.dashboards_dir.clone(),
            site_root,
            allowed_hosts: args.allowed_hosts.clone(),
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
    if let Some(password) = demo_password {
        println!("demo login: {DEMO_USER} {password}");
    }
    println!("Press Ctrl-C to stop.");

    let web = tokio::spawn(web);
    shutdown_signal().await?;
    eprintln!("\nshutting down");
    let _ = stop_tx.send(true);
    web.await??;
    collector.finish().await?;
    Ok(())
}

/// Name of the user `up --demo` signs in as.
const DEMO_USER: &str = "demo";

/// The users file, and with `--demo` the demo user's password: a new one
/// on every start (only its hash is kept, so the old one cannot be shown
/// again), for the demo tenant only.
fn users(args: &UpArgs) -> anyhow::Result<(std::path::PathBuf, Option<String>)> {
    use faasight_web::auth::users::{random_password, UsersFile};
    let path = UsersFile::path(&args.data_dir);
    let mut file = UsersFile::load(&path)?;
    if !args.demo {
        if file.users.is_empty() {
            eprintln!(
                "web: no users in {}: add one with `faasight user add NAME --tenant TENANT --data-dir {}` (password on stdin)",
                path.display(),
                args.data_dir.display()
            );
        }
        return Ok((path, None));
    }
    let password = random_password();
    file.set_user(
        DEMO_USER,
        &password,
        std::slice::from_ref(&args.demo_args.tenant),
    )?;
    file.save(&path)?;
    Ok((path, Some(password)))
}
