//! One module per command, plus the mapping from errors to exit codes.

mod bench;
mod bench_analyze;
mod bench_anomalies;
mod bench_dashboards;
mod collector;
mod cost_report;
mod dashboards;
mod demo_data;
mod import;
mod materialize;
mod migrate;
pub(crate) mod report;
mod retention;
mod simulate;
pub(crate) mod up;
mod user;

use crate::cli::{Cli, Command};
use faasight_store::{ClickHouseUrl, Store};

/// An error in what the user gave (a file's content, a flag's value).
/// Exits with code 2; everything else exits with 1.
#[derive(Debug)]
pub struct InputError(pub String);

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for InputError {}

/// Runs the parsed command; `dogfood` is where `up --demo` sends its own
/// telemetry (see `up::dogfood`).
pub async fn run(cli: Cli, dogfood: Option<up::Dogfood>) -> anyhow::Result<()> {
    match cli.command {
        Command::Up(args) => up::run(args, dogfood).await,
        Command::Collector(args) => collector::run(args).await,
        Command::Bill(a) => report::run(&a).await,
        Command::Rightsizing(a) => report::run(&a).await,
        Command::ColdStarts(a) => report::run(&a).await,
        Command::Forecast(a) => report::run(&a).await,
        Command::Anomalies(a) => report::run(&a).await,
        Command::Warnings(a) => report::run(&a).await,
        Command::Insights(a) => report::run(&a).await,
        Command::Migrate(args) => migrate::run(args).await,
        Command::DemoData(args) => demo_data::run(args).await,
        Command::Import(args) => import::run(args).await,
        Command::Retention(args) => retention::run(args).await,
        Command::Materialize(db) => materialize::run(db).await,
        Command::Bench(crate::cli::BenchCommand::Ingest(args)) => bench::run(args).await,
        Command::Bench(crate::cli::BenchCommand::Dashboards(args)) => {
            bench_dashboards::run(args).await
        }
        Command::Bench(crate::cli::BenchCommand::Anomalies(args)) => bench_anomalies::run(&args),
        Command::Bench(crate::cli::BenchCommand::Analyze(args)) => {
            bench_analyze::run_bench(args).await
        }
        Command::Simulate(crate::cli::SimulateCommand::KeepAlive(args)) => {
            simulate::keep_alive(args).await
        }
        Command::User(command) => user::run(command),
        Command::Report(args) => cost_report::run(args).await,
        Command::Dashboards(crate::cli::DashboardsCommand::Check(args)) => dashboards::check(args),
    }
}

/// The process exit code for an error.
pub fn exit_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<InputError>().is_some() {
        2
    } else {
        1
    }
}

/// Connects to the ClickHouse at `url`, checking that it answers.
pub async fn connect(url: &str) -> anyhow::Result<Store> {
    let mut url = ClickHouseUrl::parse(url).map_err(|e| InputError(e.to_string()))?;
    private_server_password(&mut url, Access::Write);
    let store = Store::connect(&url);
    store.ensure_database().await?;
    Ok(store)
}

/// The cluster's node URLs the command was given (`--cluster-node`), for
/// the passes that run where the data is ([`data_stores`]).
static CLUSTER_NODES: std::sync::OnceLock<Vec<ClickHouseUrl>> = std::sync::OnceLock::new();

/// [`connect`] to the database of `db`, remembering its cluster nodes.
pub async fn connect_db(db: &crate::cli::DbArgs) -> anyhow::Result<Store> {
    let nodes = db
        .cluster_nodes
        .iter()
        .map(|u| {
            let mut url =
                ClickHouseUrl::parse(u).map_err(|e| InputError(format!("--cluster-node: {e}")))?;
            private_server_password(&mut url, Access::Write);
            Ok(url)
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let _ = CLUSTER_NODES.set(nodes);
    connect(&db.clickhouse_url).await
}

/// The stores that hold `store`'s data: each node's local database when
/// `store` is a cluster's (faasight_store::cluster), else `store`.
pub async fn data_stores(store: &Store) -> anyhow::Result<Vec<Store>> {
    let nodes = CLUSTER_NODES.get().map_or(&[][..], Vec::as_slice);
    Ok(faasight_store::cluster::data_stores(store, nodes).await?)
}

/// The node URLs given with `--cluster-node`.
pub fn cluster_nodes() -> Vec<ClickHouseUrl> {
    CLUSTER_NODES.get().cloned().unwrap_or_default()
}

/// Connects to read only (the analyses): on the private server as its
/// read-only user, which cannot change what it reads.
pub async fn connect_reader(url: &str) -> anyhow::Result<Store> {
    let mut url = ClickHouseUrl::parse(url).map_err(|e| InputError(e.to_string()))?;
    private_server_password(&mut url, Access::Read);
    let store = Store::connect(&url);
    store.check_reachable().await?;
    Ok(store)
}

/// What a command does with the database.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Access {
    Read,
    Write,
}

/// The private server `faasight up` runs has a password, kept in
/// `.faasight/clickhouse/admin-password` (`up`'s default data directory).
/// A URL that names that server (the default `http://127.0.0.1:18123`)
/// without a password gets it from there, so the commands work beside a
/// running `up` as they did before it had one; any other URL is used as
/// given.
/// Commands that only read use its read-only user (`reader-password`).
fn private_server_password(url: &mut ClickHouseUrl, access: Access) {
    if url.base != "http://127.0.0.1:18123" || url.user != "default" || !url.password.is_empty() {
        return;
    }
    let (user, file) = match access {
        Access::Write => ("default", "admin-password"),
        Access::Read => (faasight_store::local::READER_USER, "reader-password"),
    };
    let file = std::path::Path::new(".faasight/clickhouse").join(file);
    if let Ok(password) = std::fs::read_to_string(file) {
        url.user = user.to_string();
        url.password = password.trim().to_string();
    }
}

/// Applies pending migrations and says what it did.
pub async fn migrate_quietly(store: &Store) -> anyhow::Result<faasight_store::migrations::Report> {
    Ok(faasight_store::migrations::apply(store, faasight_store::migrations::MIGRATIONS).await?)
}
