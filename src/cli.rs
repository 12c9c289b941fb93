//! Command-line arguments.

use crate::cmd::report::AnalysisCommand;
use crate::cmd::InputError;
use clap::{Args, Parser, Subcommand, ValueEnum};
use faasight_analyzer::reports::{ReportKind, ReportRequest};
use std::net::SocketAddr;
use std::path::PathBuf;

/// Observability and cost analysis for serverless functions.
#[derive(Debug, Parser)]
#[command(name = "faasight", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Send faasight's own traces and metrics over OTLP/HTTP to this base
    /// URL (`http://otel-collector:4318`; `/v1/traces` and `/v1/metrics`
    /// are appended). The standard OTEL_EXPORTER_OTLP_ENDPOINT,
    /// OTEL_EXPORTER_OTLP_HEADERS, OTEL_SERVICE_NAME and
    /// OTEL_RESOURCE_ATTRIBUTES variables work too; off when none is set
    /// (`up --demo` then sends them to its own collector).
    #[arg(long, global = true, value_name = "URL")]
    pub otel_endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run everything: ClickHouse (a private one unless --clickhouse-url is
    /// given), migrations, the collector and the web UI, until Ctrl-C.
    Up(UpArgs),
    /// Run only the collector (HTTP receivers, OTLP/gRPC, the write
    /// pipeline and its spool) against an existing ClickHouse.
    Collector(CollectorArgs),
    /// Apply the schema migrations that are not yet applied (on every node
    /// of a cluster with --cluster).
    Migrate(MigrateArgs),
    /// Generate the demo workload: write it as NDJSON, or load it.
    DemoData(DemoDataArgs),
    /// Import invocation records from files.
    Import(ImportArgs),
    /// Drop telemetry older than what is kept: whole partitions of the raw
    /// tables and of the hourly rollup (and a TTL on servers that have it).
    Retention(RetentionArgs),
    /// Bring the materialized results (cold-start causes, hourly usage by
    /// dimension) up to date with the invocations: every day written to
    /// since it was last built is built again. `collector` and `up` do
    /// this in the background; `demo-data` and `import` after loading.
    Materialize(DbArgs),
    /// The monthly bill per provider and account: volume tiers and free
    /// allowances applied, next to the per-invocation list prices.
    Bill(BillArgs),
    /// Memory right-sizing advice for every function with data (alias:
    /// recommend).
    #[command(alias = "recommend")]
    Rightsizing(RightsizingArgs),
    /// Cold-start rates, causes and INIT's share of cost.
    ColdStarts(ColdStartsArgs),
    /// Daily cost and invocations ahead, with prediction intervals and the
    /// backtest error of the model.
    Forecast(ForecastArgs),
    /// Hours whose cost, invocations, errors or cold-start rate stand out
    /// from the same hour of previous weeks.
    Anomalies(AnomaliesArgs),
    /// Warnings with Datadog-like defaults: cold starts > 1 %, memory or
    /// duration > 95 % of the limit, OOMs, timeouts, < 10 % memory used,
    /// cost +20 % period over period.
    Warnings(WarningsArgs),
    /// Serverless anti-patterns found in traces and invocations (a function
    /// waiting on another, one handler doing too much, sequential loops
    /// that could fan out), AWS concurrency and scaling limits reached, and
    /// idle provisioned concurrency — each with its evidence, example
    /// traces and the money at stake per month.
    Insights(InsightsArgs),
    /// What-if replays on recorded or published arrivals.
    #[command(subcommand)]
    Simulate(SimulateCommand),
    /// Benchmarks (numbers for people, not pass/fail).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Who may sign in to the web UI and read its API, and for which
    /// tenants (`<data-dir>/users.json`).
    #[command(subcommand)]
    User(UserCommand),
    /// The monthly cost report (totals, bill, top functions, daily cost,
    /// forecast, right-sizing savings, warnings) as PDF, CSV or JSON.
    Report(CostReportArgs),
    /// Dashboards as code (`dashboards/*.toml`).
    #[command(subcommand)]
    Dashboards(DashboardsCommand),
}

#[derive(Debug, Args)]
pub struct CostReportArgs {
    /// The month, `YYYY-MM` (a running month is reported to date).
    #[arg(long)]
    pub month: String,
    /// Tenant.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "pdf")]
    pub format: CostReportFormat,
    /// Write here instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

/// Formats of the cost report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CostReportFormat {
    /// A PDF for people.
    Pdf,
    /// The bill's line items.
    Csv,
    /// The whole document (as `GET /api/v1/report`).
    Json,
}

#[derive(Debug, Subcommand)]
pub enum DashboardsCommand {
    /// Validate every dashboard file: exit 2 with `file:line: problem`
    /// for each one that would not render.
    Check(DashboardsCheckArgs),
}

#[derive(Debug, Args)]
pub struct DashboardsCheckArgs {
    /// The directory of `*.toml` dashboards.
    #[arg(long, default_value = "dashboards")]
    pub dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user, or change a user's password and tenants; the password
    /// is read from stdin (one line).
    Add(UserAddArgs),
    /// Make an API read token for a user (printed once).
    Token(UserTokenArgs),
    /// List users, their tenants and how many read tokens they have.
    List(DataDirArgs),
    /// Remove a user (and their read tokens).
    Remove(UserNameArgs),
}

#[derive(Debug, Args)]
pub struct DataDirArgs {
    /// The data directory of `faasight up`.
    #[arg(long, default_value = ".faasight")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// Login name.
    pub name: String,
    /// A tenant the user may read; repeatable, the first is their default.
    #[arg(long = "tenant", required = true)]
    pub tenants: Vec<String>,
    /// The data directory of `faasight up`.
    #[arg(long, default_value = ".faasight")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UserTokenArgs {
    /// The user the token reads as.
    pub name: String,
    /// What the token is for (shown by `user list` tooling, kept in the file).
    #[arg(long, default_value = "api")]
    pub label: String,
    /// The data directory of `faasight up`.
    #[arg(long, default_value = ".faasight")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Args)]
pub struct UserNameArgs {
    /// Login name.
    pub name: String,
    /// The data directory of `faasight up`.
    #[arg(long, default_value = ".faasight")]
    pub data_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum SimulateCommand {
    /// Cold starts and idle instance time under keep-alive policies.
    KeepAlive(KeepAliveArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceKind {
    /// The Azure Functions 2019 trace (a directory with 1000_inv.csv ...).
    #[value(name = "azure-2019")]
    Azure2019,
}

#[derive(Debug, Args)]
pub struct KeepAliveArgs {
    /// Keep-alive policies, e.g. 5m,10m,20m (minutes; `h` for hours).
    #[arg(long, value_delimiter = ',', required = true)]
    pub keep_alive: Vec<String>,
    /// Provisioned-concurrency policies, each `N` (all day) or hour ranges
    /// `0-7:0,8-19:2,20-23:1` (UTC); replayed on top of the first keep-alive.
    #[arg(long)]
    pub provisioned: Vec<String>,
    /// Memory of a provisioned instance, for its cost.
    #[arg(long, default_value_t = 512)]
    pub memory_mb: u32,
    /// Replay a published trace instead of the recorded invocations.
    #[arg(long, num_args = 2, value_names = ["KIND", "DIR"])]
    pub trace: Vec<String>,
    /// Days of recorded invocations to replay (without --trace).
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Tenant (without --trace).
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Every analysis on a synthetic fleet (default 1,000 functions × 30 days), timed.
    Analyze(BenchAnalyzeArgs),
    /// Ingest throughput per format, next to clickhouse-client's raw insert rate.
    Ingest(BenchArgs),
    /// Every page and API route over the demo at a given size: p50 and p95
    /// in ms, next to the bare SQL each issued run through clickhouse-client.
    Dashboards(BenchDashboardsArgs),
    /// Precision and recall of the anomaly detector on synthetic fleets
    /// with injected incidents of known size, at several volumes.
    Anomalies(BenchAnomaliesArgs),
}

#[derive(Debug, Args)]
pub struct BenchAnomaliesArgs {
    /// Functions per volume.
    #[arg(long, default_value_t = 100)]
    pub functions: usize,
    /// Weeks of hourly history (the first is history only).
    #[arg(long, default_value_t = 4)]
    pub weeks: usize,
    /// Mean calls an hour of the fleets, comma-separated.
    #[arg(long, default_value = "5,50,500", value_delimiter = ',')]
    pub volumes: Vec<f64>,
    /// Score threshold of the detector.
    #[arg(long, default_value_t = 4.5)]
    pub threshold: f64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Also write each fleet's series and injected incidents as CSV here
    /// (`series-<volume>.csv`, `truth-<volume>.csv`), for
    /// `benches/anomalies_stl.py`.
    #[arg(long)]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchAnalyzeArgs {
    /// Functions in the fleet.
    #[arg(long, default_value_t = 1000)]
    pub functions: usize,
    /// Days of history.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Invocations in all (about).
    #[arg(long, default_value_t = 3_000_000)]
    pub invocations: u64,
    /// Use this ClickHouse (database bench_analyze; reused if it has data) instead of a private one.
    #[arg(long)]
    pub clickhouse_url: Option<String>,
}

#[derive(Debug, Args)]
pub struct BenchDashboardsArgs {
    /// Invocations of the demo workload (30 days, 39 functions).
    #[arg(long, default_value_t = 10_000_000)]
    pub invocations: u64,
    /// Timed requests per route (after one that warms up).
    #[arg(long, default_value_t = 20)]
    pub requests: usize,
    /// Dashboards-as-code directory.
    #[arg(long, default_value = "dashboards")]
    pub dashboards_dir: PathBuf,
    /// Use this ClickHouse (its native port in --clickhouse-tcp-port)
    /// instead of a private one; the demo is loaded unless tenant
    /// `default` has invocations.
    #[arg(long)]
    pub clickhouse_url: Option<String>,
    /// Native port of --clickhouse-url, for clickhouse-client.
    #[arg(long, default_value_t = 9000)]
    pub clickhouse_tcp_port: u16,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Records per format.
    #[arg(long, default_value_t = 200_000)]
    pub records: usize,
    /// Records (or spans) per request body. Spans too: an OpenTelemetry
    /// Collector in front of faasight sends batches of up to 8,192 spans
    /// (its batch processor's default send_batch_size).
    #[arg(long, default_value_t = 5_000)]
    pub batch: usize,
    /// Concurrent senders.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Rounds of every load; the median is reported (a shared machine's
    /// disk and CPU make single runs vary by 2×).
    #[arg(long, default_value_t = 3)]
    pub rounds: usize,
    /// Use this ClickHouse (its native port in --clickhouse-tcp-port) instead of a private one.
    #[arg(long)]
    pub clickhouse_url: Option<String>,
    /// Native port of --clickhouse-url, for clickhouse-client.
    #[arg(long, default_value_t = 9000)]
    pub clickhouse_tcp_port: u16,
}

#[derive(Debug, Args, Clone)]
pub struct RetentionArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Days of raw invocations, spans and logs to keep, e.g. 30d.
    #[arg(long, value_parser = parse_days)]
    pub keep: u32,
    /// Days of the hourly rollup to keep (default: as --keep). The forecast
    /// learns from up to 365 days of it, anomalies from 6 weeks.
    #[arg(long, value_parser = parse_days)]
    pub keep_rollups: Option<u32>,
    /// List what would be dropped; drop nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// How often a running collector (`collector`, `up`) brings the
/// materialized results up to date.
#[derive(Debug, Clone, Copy, Args)]
pub struct MaterializeArgs {
    /// Seconds between passes that build the days written to since their
    /// last build (e.g. 30s, 5m); 0 turns the background job off (run
    /// `faasight materialize` instead).
    #[arg(long, value_parser = parse_seconds, default_value = "30s")]
    pub materialize_every: u64,
}

/// Parses `30`, `30s` or `5m` as seconds (up to a day).
pub fn parse_seconds(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let (digits, scale) = match t.strip_suffix('m') {
        Some(d) => (d, 60),
        None => (t.strip_suffix('s').unwrap_or(t), 1),
    };
    match digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
    {
        Some(seconds) if seconds <= 86_400 => Ok(seconds),
        _ => Err(format!(
            "{text:?} is not a duration from 0s to 1440m (e.g. 30s or 5m)"
        )),
    }
}

/// Retention of a running collector (`collector`, `up`): a pass at start
/// and then once a day. Off unless `--keep` is given.
#[derive(Debug, Clone, Copy, Args)]
pub struct KeepArgs {
    /// Days of raw invocations, spans and logs to keep, e.g. 30d; older
    /// partitions are dropped at start and once a day.
    #[arg(long, value_parser = parse_days)]
    pub keep: Option<u32>,
    /// Days of the hourly rollup to keep (default: as --keep).
    #[arg(long, value_parser = parse_days, requires = "keep")]
    pub keep_rollups: Option<u32>,
}

impl KeepArgs {
    /// The retention asked for, if any; refused as [`retention`] refuses.
    pub fn retention(
        &self,
    ) -> Result<Option<faasight_store::retention::Retention>, crate::cmd::InputError> {
        self.keep
            .map(|keep| retention(keep, self.keep_rollups))
            .transpose()
    }
}

/// A number of days, `30d` or `30`: 1 to 36,500.
pub fn parse_days(text: &str) -> Result<u32, String> {
    let digits = text.trim().strip_suffix('d').unwrap_or(text.trim());
    match digits.parse::<u32>() {
        Ok(days) if (1..=36_500).contains(&days) => Ok(days),
        _ => Err(format!(
            "{text:?} is not a number of days from 1d to 36500d (e.g. 30d)"
        )),
    }
}

/// The retention to apply, refusing a rollup kept shorter than the raw
/// tables (pages would go empty for ranges the raw data still covers).
pub fn retention(
    keep: u32,
    keep_rollups: Option<u32>,
) -> Result<faasight_store::retention::Retention, crate::cmd::InputError> {
    let keep_rollup_days = keep_rollups.unwrap_or(keep);
    if keep_rollup_days < keep {
        return Err(crate::cmd::InputError(format!(
            "--keep-rollups {keep_rollup_days}d is shorter than --keep {keep}d: the pages read the rollup, so it must be kept at least as long as the raw data"
        )));
    }
    Ok(faasight_store::retention::Retention {
        keep_days: keep,
        keep_rollup_days,
    })
}

#[derive(Debug, Args, Clone)]
pub struct DbArgs {
    /// ClickHouse HTTP URL, e.g. http://user:pass@host:8123/?database=faasight.
    /// Defaults to the private server that `faasight up` runs.
    #[arg(
        long,
        env = "FAASIGHT_CLICKHOUSE_URL",
        default_value = "http://127.0.0.1:18123"
    )]
    pub clickhouse_url: String,
    /// In cluster mode (see `migrate --cluster`), the HTTP URL of every
    /// node of the cluster, repeated or comma-separated; by default each
    /// node's host from `system.clusters` with this URL's port.
    #[arg(
        long = "cluster-node",
        env = "FAASIGHT_CLUSTER_NODES",
        value_delimiter = ','
    )]
    pub cluster_nodes: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Migrate every node of this cluster (a `<remote_servers>` entry):
    /// the tables in DATABASE_local on each node, and Distributed tables
    /// of the same names in DATABASE that the collector, the analyses and
    /// the web UI use as they would a single server's.
    #[arg(long)]
    pub cluster: Option<String>,
}

#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Seed of the demo workload.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Days of history.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Approximate number of invocations.
    #[arg(long, default_value_t = 400_000)]
    pub invocations: u64,
    /// End of the window (RFC 3339); defaults to now.
    #[arg(long)]
    pub end: Option<String>,
    /// Tenant: of the generated rows, and (for `up`) shown in the UI.
    #[arg(long, default_value = "default")]
    pub tenant: String,
}

#[derive(Debug, Args)]
pub struct UpArgs {
    /// Load the demo workload (once per data directory).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub keep: KeepArgs,
    #[command(flatten)]
    pub materialize: MaterializeArgs,
    #[command(flatten)]
    pub demo_args: DemoArgs,
    /// Where the private ClickHouse keeps its data.
    #[arg(long, default_value = ".faasight")]
    pub data_dir: PathBuf,
    /// Use this ClickHouse instead of starting one.
    #[arg(long, env = "FAASIGHT_CLICKHOUSE_URL")]
    pub clickhouse_url: Option<String>,
    /// HTTP port of the private ClickHouse.
    #[arg(long, default_value_t = 18123)]
    pub clickhouse_http_port: u16,
    /// Native port of the private ClickHouse.
    #[arg(long, default_value_t = 19000)]
    pub clickhouse_tcp_port: u16,
    /// Collector (ingest) address.
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub collector_listen: SocketAddr,
    /// OTLP/gRPC (TraceService, LogsService, MetricsService) address.
    #[arg(long, default_value = "127.0.0.1:4317")]
    pub otlp_grpc_listen: SocketAddr,
    /// Web UI address.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub web_listen: SocketAddr,
    /// Ingest tokens: a file of `token tenant` lines. Without it (and without
    /// FAASIGHT_INGEST_TOKENS=token=tenant,...) the collector accepts
    /// unauthenticated data for tenant "default".
    #[arg(long)]
    pub tokens_file: Option<PathBuf>,
    /// Dashboards as code: every `*.toml` file here is a page of the UI.
    #[arg(long, env = "FAASIGHT_DASHBOARDS", default_value = "dashboards")]
    pub dashboards_dir: PathBuf,
    /// Directory with the browser bundle (pkg/); built by scripts/build-web.sh.
    #[arg(long, env = "FAASIGHT_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,
    /// A name (`host` or `host:port`) the web UI may be addressed by,
    /// besides its listening address; repeatable. Requests for other
    /// names are refused (protection against DNS rebinding).
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
}

/// Output of the analysis commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for people.
    Table,
    /// JSON for scripts: the same document as the HTTP API's.
    Json,
    /// CSV (rightsizing only).
    Csv,
}

/// Flags every analysis command takes.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Tenant.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Days of history.
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// End of the window, RFC 3339 (default: now).
    #[arg(long)]
    pub to: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct BillArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Apply the AWS Lambda free tier (1 M requests, 400,000 GB-s a month per account).
    #[arg(long)]
    pub aws_free_tier: bool,
    /// What self-hosted capacity (Knative, OpenFaaS) costs, to allocate it to
    /// functions by the memory and CPU they request × the time they run:
    /// `vcpu-hour=USD,gb-hour=USD,vcpu-per-gb=N`, e.g.
    /// `vcpu-hour=0.0316,gb-hour=0.0042,vcpu-per-gb=0.5`.
    #[arg(long, value_name = "PRICES")]
    pub node_price: Option<String>,
}

impl AnalysisCommand for BillArgs {
    const KIND: ReportKind = ReportKind::Bill;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        // Checked here so a bad price is a usage error before any query.
        if let Some(p) = &self.node_price {
            faasight_analyzer::reports::bill::parse_node_price(p)
                .map_err(|e| InputError(format!("--node-price: {e}")))?;
        }
        Ok(ReportRequest {
            aws_free_tier: Some(self.aws_free_tier),
            node_price: self.node_price.clone(),
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct RightsizingArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// cost, speed or balanced (as AWS Lambda Power Tuning defines them).
    #[arg(long, default_value = "cost")]
    pub strategy: String,
    /// Weight of cost against speed for --strategy balanced (0–1).
    #[arg(long)]
    pub balanced_weight: Option<f64>,
    /// Memory headroom over the p99 of memory used, in %.
    #[arg(long)]
    pub headroom_pct: Option<f64>,
}

impl AnalysisCommand for RightsizingArgs {
    const KIND: ReportKind = ReportKind::Rightsizing;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        Ok(ReportRequest {
            strategy: Some(self.strategy.clone()),
            balanced_weight: self.balanced_weight,
            headroom_pct: self.headroom_pct,
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct AnomaliesArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Score from which an hour is anomalous: the standard-normal z whose
    /// one-sided tail has the same probability (4.5 = p < 3.4e-6; lower
    /// finds smaller incidents and raises more false alarms).
    #[arg(long, default_value_t = 4.5)]
    pub threshold: f64,
}

impl AnalysisCommand for AnomaliesArgs {
    const KIND: ReportKind = ReportKind::Anomalies;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        Ok(ReportRequest {
            threshold: Some(self.threshold),
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct WarningsArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Threshold overrides, e.g. cold_start_pct=2,memory_pct=90.
    #[arg(long)]
    pub thresholds: Option<String>,
}

impl AnalysisCommand for WarningsArgs {
    const KIND: ReportKind = ReportKind::Warnings;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        Ok(ReportRequest {
            thresholds: self.thresholds.clone(),
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct InsightsArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Concurrent executions each AWS account allows per region (AWS's
    /// default quota is 1,000; use the quota your account was granted).
    #[arg(long)]
    pub account_limit: Option<u32>,
}

impl AnalysisCommand for InsightsArgs {
    const KIND: ReportKind = ReportKind::Insights;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        Ok(ReportRequest {
            account_limit: self.account_limit,
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Days ahead, e.g. 30d; at most 366d (12 months). Monthly totals and
    /// the current month's projected end come with the daily forecast.
    #[arg(long, default_value = "30d")]
    pub horizon: String,
    /// One forecast per function, per provider, or in total.
    #[arg(long, default_value = "total")]
    pub by: String,
    /// Prediction interval level in % (51–99).
    #[arg(long, default_value_t = 80.0)]
    pub level: f64,
}

impl AnalysisCommand for ForecastArgs {
    const KIND: ReportKind = ReportKind::Forecast;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        let text = self.horizon.trim();
        let horizon = text
            .strip_suffix('d')
            .unwrap_or(text)
            .parse()
            .map_err(|_| {
                InputError(format!(
                    "--horizon {:?} is not a number of days like 30d",
                    self.horizon
                ))
            })?;
        Ok(ReportRequest {
            by: Some(self.by.clone()),
            horizon_days: Some(horizon),
            level_pct: Some(self.level),
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct ColdStartsArgs {
    #[command(flatten)]
    pub report: ReportArgs,
    /// Rates by function, version, region, runtime, memory, trigger or day.
    #[arg(long, default_value = "function")]
    pub by: String,
}

impl AnalysisCommand for ColdStartsArgs {
    const KIND: ReportKind = ReportKind::ColdStarts;
    fn common(&self) -> &ReportArgs {
        &self.report
    }
    fn request(&self) -> Result<ReportRequest, InputError> {
        Ok(ReportRequest {
            by: Some(self.by.clone()),
            ..Default::default()
        })
    }
}

#[derive(Debug, Args)]
pub struct CollectorArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(flatten)]
    pub keep: KeepArgs,
    #[command(flatten)]
    pub materialize: MaterializeArgs,
    /// HTTP address (OTLP/HTTP, /v1/invocations, Lambda, CloudWatch, Firehose).
    #[arg(long, default_value = "127.0.0.1:4318")]
    pub listen: SocketAddr,
    /// OTLP/gRPC address.
    #[arg(long, default_value = "127.0.0.1:4317")]
    pub otlp_grpc_listen: SocketAddr,
    /// The write-ahead log: every acknowledged batch until ClickHouse has it.
    #[arg(long, default_value = ".faasight/spool")]
    pub spool_dir: PathBuf,
    /// Rows held in memory and not yet in ClickHouse, at most (beyond: 429).
    #[arg(long)]
    pub max_queued_rows: Option<usize>,
    /// Ingest tokens: a file of `token tenant` lines (see `up --tokens-file`).
    #[arg(long)]
    pub tokens_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DemoDataArgs {
    #[command(flatten)]
    pub demo: DemoArgs,
    /// Write NDJSON here ("-" for stdout) instead of loading into ClickHouse.
    #[arg(long)]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// Invocation records, one JSON object per line (columns of `invocations`).
    Ndjson,
    /// Lambda platform log text (REPORT, INIT_REPORT, START, … lines), one line each.
    LambdaLog,
    /// Lambda Telemetry API events: a JSON array or NDJSON.
    LambdaTelemetry,
    /// A CloudWatch Logs subscription payload (gzip, JSON, or the awslogs envelope).
    CloudwatchSubscription,
    /// Invocation records as CSV with a header row (columns of `invocations`).
    Csv,
    /// An OTLP trace export request, protobuf or JSON (detected).
    Otlp,
    /// A directory with the Azure Functions 2019 trace (1000_inv.csv, 1000_run.csv, 1000_mem.csv).
    #[value(name = "azure-2019")]
    Azure2019,
    /// Function configurations: the JSON `aws lambda list-functions` prints
    /// (memory, timeout, architecture, package type, ephemeral storage, SnapStart).
    AwsLambdaFunctions,
    /// Provisioned Concurrency: the JSON `aws lambda list-provisioned-concurrency-configs` prints.
    AwsProvisionedConcurrency,
    /// The AWS Lambda line items of an AWS Cost and Usage Report (legacy CUR
    /// or CUR 2.0; CSV, gzip'ed CSV or Parquet), for invoice reconciliation.
    /// Give all files of one report delivery in one command: an import
    /// replaces what earlier imports stored for the same billing periods
    /// and accounts.
    #[value(name = "aws-cur")]
    AwsCur,
}

/// What the source does not say about the function (lambda-log, lambda-telemetry).
#[derive(Debug, Args, Clone, Default)]
pub struct IdentityArgs {
    /// Function name.
    #[arg(long)]
    pub function: Option<String>,
    /// Region.
    #[arg(long)]
    pub region: Option<String>,
    /// Account id.
    #[arg(long)]
    pub account: Option<String>,
    /// Function version.
    #[arg(long = "function-version")]
    pub function_version: Option<String>,
    /// Runtime, e.g. python3.12.
    #[arg(long)]
    pub runtime: Option<String>,
    /// x86_64 or arm64.
    #[arg(long)]
    pub arch: Option<String>,
    /// Configured memory (MB), when the lines do not say.
    #[arg(long)]
    pub memory_mb: Option<u32>,
    /// Execution environment (log stream name).
    #[arg(long)]
    pub instance: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Input format.
    #[arg(long, value_enum)]
    pub format: ImportFormat,
    /// Tenant of the imported rows.
    #[arg(long, default_value = "default")]
    pub tenant: String,
    /// Seed of the azure-2019 expansion (start times, durations, memory).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// UTC day the azure-2019 trace is placed on (YYYY-MM-DD).
    #[arg(long, default_value = "2019-07-15")]
    pub day: String,
    #[command(flatten)]
    pub identity: IdentityArgs,
    /// When a configuration inventory (aws-lambda-functions,
    /// aws-provisioned-concurrency) was taken, RFC 3339 (default: now). The
    /// bill charges Provisioned Concurrency and SnapStart caches from then.
    #[arg(long, value_name = "TIME")]
    pub seen_at: Option<String>,
    /// Print the normalized records as NDJSON instead of storing them.
    #[arg(long)]
    pub dry_run: bool,
    /// Files to read ("-" for stdin).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub db: DbArgs,
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn arguments_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_in_seconds_or_minutes_up_to_a_day() {
        use super::parse_seconds;
        assert_eq!(parse_seconds("30"), Ok(30));
        assert_eq!(parse_seconds("30s"), Ok(30));
        assert_eq!(parse_seconds("5m"), Ok(300));
        assert_eq!(parse_seconds("1440m"), Ok(86_400));
        assert!(parse_seconds("1441m").is_err());
        // Would overflow once scaled: refused, not a panic.
        assert!(parse_seconds("18446744073709551615m").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
