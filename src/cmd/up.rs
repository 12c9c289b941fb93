//! `faasight up`: the whole product in one process tree.

use super::collector::{bind, ingest_auth, shutdown_signal, CollectorSetup, RunningCollector};
use crate::cli::UpArgs;
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::Store;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// The tenant `up --demo` stores faasight's own telemetry in.
pub const SELF_TENANT: &str = "faasight-self";

/// Where `up --demo` sends its own traces and metrics: its own collector,
/// with a token of its own that writes to [`SELF_TENANT`].
#[derive(Debug, Clone)]
pub struct Dogfood {
    /// The collector's base URL.
    pub endpoint: String,
    /// A fresh ingest token, known only to this process.
    pub token: String,
}

/// `up --demo` dogfoods unless the operator configured self-telemetry
/// (`--otel-endpoint`, an `OTEL_EXPORTER_OTLP_*ENDPOINT` variable) or
/// turned it off (`OTEL_SDK_DISABLED=true`).
pub fn dogfood(cli: &crate::cli::Cli) -> Option<Dogfood> {
    let crate::cli::Command::Up(args) = &cli.command else {
        return None;
    };
    if !args.demo
        || cli.otel_endpoint.is_some()
        || faasight_telemetry::export::configured_by_environment()
    {
        return None;
    }
    let mut addr = args.collector_listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    Some(Dogfood {
        endpoint: format!("http://{addr}"),
        token: faasight_web::auth::users::random_password(),
    })
}

pub async fn run(args: UpArgs, dogfood: Option<Dogfood>) -> anyhow::Result<()> {
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
        dogfood.as_ref(),
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
    dogfood: Option<&Dogfood>,
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

    let mut auth = ingest_auth(args.tokens_file.as_deref())?;
    if let Some(d) = dogfood {
        auth = auth
            .with_internal_token(&d.token, SELF_TENANT)
            .map_err(anyhow::Error::msg)?;
    }
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
    let (users_file, demo_password) = users(args, dogfood.is_some())?;
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
    if dogfood.is_some() {
        println!("  faasight's own traces and metrics: tenant {SELF_TENANT} (the tenant menu)");
    }
    if let Some(password) = demo_password {
        println!("demo login: {DEMO_USER} {password}");
    }
    println!("Press Ctrl-C to stop.");

    let web = tokio::spawn(web);
    shutdown_signal().await?;
    eprintln!("\nshutting down");
    if dogfood.is_some() {
        // Its own collector is where its telemetry goes: the last spans
        // and metric points are sent while it still listens.
        tokio::task::spawn_blocking(faasight_telemetry::export::flush).await?;
    }
    let _ = stop_tx.send(true);
    web.await??;
    collector.finish().await?;
    Ok(())
}

/// Name of the user `up --demo` signs in as.
const DEMO_USER: &str = "demo";

/// The users file, and with `--demo` the demo user's password: a new one
/// on every start (only its hash is kept, so the old one cannot be shown
/// again), for the demo tenant only, and the self-telemetry tenant when
/// `up` sends its own telemetry there.
fn users(args: &UpArgs, dogfood: bool) -> anyhow::Result<(std::path::PathBuf, Option<String>)> {
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
    let mut tenants = vec![args.demo_args.tenant.clone()];
    if dogfood {
        tenants.push(SELF_TENANT.to_owned());
    }
    file.set_user(DEMO_USER, &password, &tenants)?;
    file.save(&path)?;
    Ok((path, Some(password)))
}
