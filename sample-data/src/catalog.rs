//! The demo fleet: 39 functions across four providers, each with the traits
//! that make its telemetry look like a real function's.
//!
//! The fleet is a mid-size shop's production account. Shapes are modelled
//! on what published traces show: most functions follow the working day of
//! their users, a few are batch jobs that fire on a schedule, and a long
//! tail is invoked only a few times an hour, which is where idle cold starts
//! come from (Shahrad et al., "Serverless in the Wild", USENIX ATC 2020:
//! 45 % of apps are invoked at most once an hour). The money goes where it
//! goes in real accounts: a handful of heavy functions (a video transcoder,
//! a nightly ETL, batch embeddings, a report generator) run for minutes at
//! several GB and make most of the bill, while the busy HTTP APIs, which
//! make most of the invocations, cost cents.
//!
//! The fleet also holds the cases the analyses exist for: a Java function
//! without SnapStart and a Python ML function with heavy imports behind
//! sparse, bursty traffic (cold starts worth fixing); functions configured
//! at 3,008 MB that use a few hundred and wait on I/O (over-provisioned); a
//! single-threaded CPU-bound resizer below one vCPU (faster at more memory
//! for about the same money), and two functions whose memory was changed
//! mid-window, so that duration is observed at two sizes.
//!
//! HTTP functions describe what a request does ([`Step`]): database
//! queries, calls to outside APIs and synchronous invocations of other
//! functions of the fleet (`api-checkout` invokes `inventory-reserve` and
//! `payment-authorize` and waits for them), from which sampled requests get
//! OpenTelemetry spans and logs.
//!
//! The architecture insights' anti-patterns each occur at least once:
//! - *function waits on function*: `api-checkout`, billed while its two
//!   callees run (~170 traced calls per callee a month);
//! - *doing too much*: `media-api` serves a metadata lookup (`GET
//!   /media/{id}`, 75 %, ~40 ms, ~200 MB) and a preview transcode (`POST
//!   /media/transcode-preview`, 25 %, ~2.5 s, ~1.5 GB) from one handler at
//!   2,048 MB, so the light route pays for the heavy one's memory
//!   ([`Route`]);
//! - *sequential fan-out*: `order-notifier` sends one e-mail per recipient,
//!   4 to 12 SendGrid calls awaited one after another ([`Step::Repeat`]),
//!   which make most of its duration;
//! - *concurrency limit*: `bulk-import` receives 1,500 S3 events within
//!   30 s once, in the middle of the window, each running ~50 s: the data
//!   account's us-east-1 runs at its 1,000 concurrent executions for
//!   about 40 s, the throttled events start as room frees ([`Surge`]), and
//!   about 500 environments start in the busiest 10 s (Lambda's scaling
//!   rate allows 1,000);
//! - *idle provisioned concurrency*: `auth-authorizer` keeps 4 provisioned
//!   environments for 12 ms requests, a sliver of what it pays for.
//!
//! The three functions added for these cases come last (the fleet's order
//! seeds each function's random stream) and their traffic is on top of
//! `--invocations` ([`Volume::Extra`]), so the rest of the workload is what
//! it was without them; the surge does not grow with `--invocations`.

/// When a function is invoked.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// Follows its users' day: peak mid-afternoon local time, lower at
    /// weekends.
    Diurnal,
    /// Office hours on weekdays, quiet nights and weekends.
    Business,
    /// A scheduled batch that fans out at the given UTC hour each day.
    Batch {
        /// UTC hour of the run.
        hour: u32,
    },
    /// A timer every N minutes.
    Timer {
        /// Minutes between runs.
        every_minutes: u32,
    },
    /// Same rate at every hour.
    Steady,
}

/// How much traffic a function gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Volume {
    /// A share of the workload's total (scaled by `--invocations`).
    Share(f64),
    /// A fixed mean number per hour, whatever the total: sparse functions
    /// stay sparse in a 10 M-invocation benchmark.
    PerHour(f64),
    /// No traffic of its own: invoked synchronously by another function of
    /// the fleet ([`Step::Invoke`]), once per call.
    Called,
    /// A fixed mean number per hour, like [`Volume::PerHour`], but on top
    /// of `--invocations` instead of taken out of it: the functions that
    /// exist for one analysis's case add their traffic without changing any
    /// other function's.
    Extra(f64),
}

/// Something a request does besides computing, in order; a traced request
/// gets one CLIENT span per step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step {
    /// A database query.
    Db {
        /// `db.system.name`, e.g. `postgresql`, `dynamodb`, `redis`.
        system: &'static str,
        /// Operation, e.g. `SELECT`, `UpdateItem`, `GET`.
        operation: &'static str,
        /// Table, collection or key prefix.
        target: &'static str,
    },
    /// A request to an HTTP API outside the fleet.
    Http {
        /// Request method.
        method: &'static str,
        /// Host called.
        host: &'static str,
        /// Path template.
        path: &'static str,
    },
    /// A synchronous invocation of another function of the fleet (which
    /// has [`Volume::Called`]): the caller waits for its answer, cold start
    /// included. Skipped after an earlier call failed.
    Invoke {
        /// Name of the function invoked.
        function: &'static str,
        /// Probability that a request makes this call.
        chance: f64,
    },
    /// The same query or outside call once per item of a list, one after
    /// another (a loop awaiting each call): `min` to `max` times, drawn per
    /// request. The request's own work grows with the number of items.
    /// Holds a [`Step::Db`] or a [`Step::Http`].
    Repeat {
        /// The step repeated.
        step: &'static Step,
        /// Fewest items.
        min: u32,
        /// Most items.
        max: u32,
    },
}

/// One route of an HTTP function that serves several, each with its own
/// weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Route {
    /// Method and route, e.g. `GET /media/{id}`: the SERVER span's name
    /// and `http.route`.
    pub operation: &'static str,
    /// Share of the function's requests.
    pub share: f64,
    /// Median duration at the configured memory, and log-space spread.
    pub duration_ms: (f64, f64),
    /// Typical memory used as a share of the configured memory.
    pub memory_used: f64,
}

/// A one-off flood of asynchronous events (a partner's bulk upload, a
/// backfill) on one day in the middle of the window, whatever
/// `--invocations` is. Lambda runs at most 1,000 executions at once per
/// account and region: events beyond it are throttled and retried, and
/// start as soon as the account has room again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Surge {
    /// Events in the flood.
    pub events: u32,
    /// They arrive within this many ms.
    pub spread_ms: u32,
}

/// One function of the demo fleet.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// Function name.
    pub name: &'static str,
    /// `provider` column value.
    pub provider: &'static str,
    /// Account, subscription or project.
    pub account: &'static str,
    /// Region.
    pub region: &'static str,
    /// Runtime identifier as the provider names it.
    pub runtime: &'static str,
    /// `x86_64` or `arm64`.
    pub arch: &'static str,
    /// Configured memory.
    pub memory_mb: u32,
    /// Configured timeout.
    pub timeout_ms: u32,
    /// What invokes it.
    pub trigger: &'static str,
    /// Traffic amount.
    pub volume: Volume,
    /// Traffic shape.
    pub pattern: Pattern,
    /// Median duration at the configured memory, and log-space spread: the
    /// function's own work, without the functions it invokes.
    pub duration_ms: (f64, f64),
    /// Share of the duration that is CPU work and scales with vCPU.
    pub cpu_bound: f64,
    /// Typical memory used as a share of the configured memory.
    pub memory_used: f64,
    /// Probability of a handled error.
    pub error_rate: f64,
    /// Probability of running into the timeout.
    pub timeout_rate: f64,
    /// Probability of running out of memory.
    pub oom_rate: f64,
    /// A memory reconfiguration: at this fraction of the period, to this size.
    pub memory_change: Option<(f64, u32)>,
    /// A new version is deployed every this many days.
    pub deploy_every_days: Option<u32>,
    /// Provisioned concurrency (AWS).
    pub provisioned: u32,
    /// Lambda SnapStart enabled.
    pub snapstart: bool,
    /// Ephemeral storage (`/tmp`), MB (AWS; 512 is included).
    pub ephemeral_storage_mb: u32,
    /// Median INIT (ms) and spread when the code's own start-up dominates
    /// the runtime's (large dependencies, a model loaded at start); `None`:
    /// the runtime's [`init_profile`].
    pub init_ms: Option<(f64, f64)>,
    /// Probability per hour that a burst of several times the usual
    /// traffic starts.
    pub burst_chance: f64,
    /// Name of the function's SERVER span: the HTTP route for HTTP
    /// functions, the function name otherwise (unused with `routes`).
    pub operation: &'static str,
    /// What a request does besides computing, in order.
    pub steps: &'static [Step],
    /// Routes of an HTTP function that serves several: each request picks
    /// one by share, which sets its SERVER span's name and `http.route`,
    /// its duration and its memory used instead of `operation`,
    /// `duration_ms` and `memory_used`. Empty: one route, `operation`.
    pub routes: &'static [Route],
    /// A one-off flood of events, throttled at the account's concurrency
    /// limit.
    pub surge: Option<Surge>,
}

#[allow(clippy::too_many_arguments)]
const fn f(
    name: &'static str,
    provider: &'static str,
    account: &'static str,
    region: &'static str,
    runtime: &'static str,
    arch: &'static str,
    memory_mb: u32,
    timeout_ms: u32,
    trigger: &'static str,
    volume: Volume,
    pattern: Pattern,
    duration_ms: (f64, f64),
) -> FunctionSpec {
    FunctionSpec {
        name,
        provider,
        account,
        region,
        runtime,
        arch,
        memory_mb,
        timeout_ms,
        trigger,
        volume,
        pattern,
        duration_ms,
        cpu_bound: 0.3,
        memory_used: 0.45,
        error_rate: 0.004,
        timeout_rate: 0.0,
        oom_rate: 0.0,
        memory_change: None,
        deploy_every_days: Some(9),
        provisioned: 0,
        snapstart: false,
        ephemeral_storage_mb: 512,
        init_ms: None,
        burst_chance: 0.004,
        operation: name,
        steps: &[],
        routes: &[],
        surge: None,
    }
}

const AWS: &str = "aws_lambda";
const AZ: &str = "azure_functions";
const GCP: &str = "gcp_cloud_run_functions";
const CF: &str = "cloudflare_workers";
const AWS_PROD: &str = "412345678901";
const AWS_DATA: &str = "498765432109";
const AZ_SUB: &str = "6f1c2a9e-3b7d-4c55-9a1e-2d8f0b6c4e17";
const GCP_PROJECT: &str = "acme-shop-prod";
const CF_ACCOUNT: &str = "9a4f3c2b1e0d8f7a6b5c4d3e2f1a0b9c";

const fn db(system: &'static str, operation: &'static str, target: &'static str) -> Step {
    Step::Db {
        system,
        operation,
        target,
    }
}

const fn http(method: &'static str, host: &'static str, path: &'static str) -> Step {
    Step::Http { method, host, path }
}

const fn invoke(function: &'static str, chance: f64) -> Step {
    Step::Invoke { function, chance }
}

const fn route(
    operation: &'static str,
    share: f64,
    duration_ms: (f64, f64),
    memory_used: f64,
) -> Route {
    Route {
        operation,
        share,
        duration_ms,
        memory_used,
    }
}

/// One e-mail through SendGrid's API.
const SEND_MAIL: Step = http("POST", "api.sendgrid.com", "/v3/mail/send");

use Pattern::*;
use Volume::*;

/// The whole demo fleet, in a fixed order (the order seeds each function's
/// random stream).
pub fn fleet() -> Vec<FunctionSpec> {
    vec![
        // --- AWS Lambda: the shop's API ---
        FunctionSpec {
            memory_used: 0.2,
            operation: "POST /checkout",
            steps: const {
                &[
                    db("postgresql", "SELECT", "carts"),
                    invoke("inventory-reserve", 1.0),
                    invoke("payment-authorize", 0.97),
                    db("postgresql", "INSERT", "orders"),
                ]
            },
            ..f(
                "api-checkout",
                AWS,
                AWS_PROD,
                "us-east-1",
                "nodejs20.x",
                "x86_64",
                1024,
                15000,
                "http",
                Share(3.0),
                Diurnal,
                (140.0, 0.4),
            )
        },
        // A JVM without SnapStart behind sparse traffic: its cold starts
        // land on the checkout's latency.
        FunctionSpec {
            cpu_bound: 0.4,
            memory_used: 0.3,
            error_rate: 0.006,
            steps: const {
                &[
                    db("postgresql", "SELECT", "customers"),
                    http("POST", "api.stripe.com", "/v1/payment_intents"),
                    db("postgresql", "INSERT", "payments"),
                ]
            },
            ..f(
                "payment-authorize",
                AWS,
                AWS_PROD,
                "us-east-1",
                "java21",
                "x86_64",
                2048,
                10000,
                "invoke",
                Called,
                Diurnal,
                (190.0, 0.35),
            )
        },
        FunctionSpec {
            memory_used: 0.25,
            error_rate: 0.008,
            steps: const { &[db("dynamodb", "UpdateItem", "inventory")] },
            ..f(
                "inventory-reserve",
                AWS,
                AWS_PROD,
                "us-east-1",
                "python3.12",
                "arm64",
                512,
                5000,
                "invoke",
                Called,
                Diurnal,
                (38.0, 0.35),
            )
        },
        FunctionSpec {
            operation: "GET /orders/{id}",
            steps: const { &[db("dynamodb", "Query", "orders")] },
            ..f(
                "api-orders",
                AWS,
                AWS_PROD,
                "us-east-1",
                "nodejs20.x",
                "x86_64",
                512,
                6000,
                "http",
                Share(10.0),
                Diurnal,
                (85.0, 0.45),
            )
        },
        FunctionSpec {
            operation: "GET /users/{id}",
            steps: const { &[db("dynamodb", "GetItem", "users")] },
            ..f(
                "api-users",
                AWS,
                AWS_PROD,
                "us-east-1",
                "python3.12",
                "arm64",
                256,
                3000,
                "http",
                Share(8.0),
                Diurnal,
                (45.0, 0.4),
            )
        },
        FunctionSpec {
            provisioned: 4,
            memory_used: 0.5,
            operation: "authorize",
            steps: const { &[db("redis", "GET", "sessions")] },
            ..f(
                "auth-authorizer",
                AWS,
                AWS_PROD,
                "us-east-1",
                "nodejs20.x",
                "arm64",
                128,
                3000,
                "http",
                Share(12.0),
                Diurnal,
                (12.0, 0.35),
            )
        },
        FunctionSpec {
            snapstart: true,
            memory_used: 0.5,
            operation: "POST /refunds",
            steps: const {
                &[
                    db("postgresql", "SELECT", "payments"),
                    http("POST", "api.stripe.com", "/v1/refunds"),
                    db("postgresql", "UPDATE", "payments"),
                ]
            },
            ..f(
                "refund-processor",
                AWS,
                AWS_PROD,
                "eu-west-1",
                "java21",
                "arm64",
                2048,
                10000,
                "http",
                Share(1.0),
                Business,
                (160.0, 0.4),
            )
        },
        // --- AWS Lambda: media and documents ---
        // The bill's leader: ffmpeg at 10 GB for minutes per upload.
        FunctionSpec {
            cpu_bound: 0.9,
            memory_used: 0.38,
            error_rate: 0.005,
            deploy_every_days: Some(14),
            // ffmpeg writes the source and the renditions to /tmp.
            ephemeral_storage_mb: 4096,
            ..f(
                "video-transcode",
                AWS,
                AWS_PROD,
                "us-east-1",
                "provided.al2023",
                "x86_64",
                10240,
                900000,
                "s3",
                Share(8.0),
                Diurnal,
                (420000.0, 0.3),
            )
        },
        // Single-threaded and CPU-bound below one vCPU: raised from 512 MB
        // to 1,024 MB mid-window, and faster again at 1,769 MB.
        FunctionSpec {
            cpu_bound: 0.95,
            memory_used: 0.6,
            memory_change: Some((0.4, 1024)),
            ..f(
                "image-resize",
                AWS,
                AWS_PROD,
                "us-east-1",
                "python3.12",
                "x86_64",
                512,
                30000,
                "s3",
                Share(4.0),
                Diurnal,
                (2600.0, 0.35),
            )
        },
        FunctionSpec {
            memory_used: 0.9,
            oom_rate: 0.02,
            cpu_bound: 0.6,
            memory_change: Some((0.6, 2048)),
            ..f(
                "pdf-render",
                AWS,
                AWS_PROD,
                "eu-west-1",
                "nodejs20.x",
                "x86_64",
                1536,
                20000,
                "sqs",
                Share(2.0),
                Business,
                (2300.0, 0.4),
            )
        },
        // --- AWS Lambda: data account ---
        FunctionSpec {
            timeout_rate: 0.01,
            cpu_bound: 0.7,
            memory_used: 0.35,
            ..f(
                "report-generator",
                AWS,
                AWS_DATA,
                "us-east-1",
                "java17",
                "x86_64",
                10240,
                300000,
                "schedule",
                Share(3.0),
                Batch { hour: 2 },
                (90000.0, 0.4),
            )
        },
        // Python uses one of the six vCPUs 10 GB buys, and a third of the
        // memory: the account's largest right-sizing saving.
        FunctionSpec {
            cpu_bound: 0.7,
            memory_used: 0.32,
            ..f(
                "etl-nightly",
                AWS,
                AWS_DATA,
                "eu-west-1",
                "python3.12",
                "x86_64",
                10240,
                900000,
                "schedule",
                Share(4.0),
                Batch { hour: 1 },
                (420000.0, 0.25),
            )
        },
        // A model loaded at INIT behind sparse, bursty traffic.
        FunctionSpec {
            cpu_bound: 0.85,
            memory_used: 0.62,
            init_ms: Some((5200.0, 0.25)),
            burst_chance: 0.03,
            operation: "POST /recommendations",
            steps: const { &[db("redis", "GET", "features")] },
            ..f(
                "ml-inference",
                AWS,
                AWS_PROD,
                "us-east-1",
                "python3.11",
                "x86_64",
                3008,
                30000,
                "http",
                PerHour(5.0),
                Business,
                (900.0, 0.35),
            )
        },
        FunctionSpec {
            cpu_bound: 0.8,
            memory_used: 0.55,
            ..f(
                "ml-embeddings",
                AWS,
                AWS_DATA,
                "us-east-1",
                "python3.11",
                "x86_64",
                10240,
                900000,
                "sqs",
                Share(7.0),
                Steady,
                (240000.0, 0.35),
            )
        },
        // Over-provisioned: 3,008 MB, a few hundred used, waiting on I/O.
        FunctionSpec {
            cpu_bound: 0.08,
            memory_used: 0.06,
            ..f(
                "fraud-scoring",
                AWS,
                AWS_PROD,
                "us-east-1",
                "python3.11",
                "x86_64",
                3008,
                10000,
                "kinesis",
                Share(7.0),
                Diurnal,
                (2500.0, 0.35),
            )
        },
        FunctionSpec {
            cpu_bound: 0.05,
            memory_used: 0.055,
            timeout_rate: 0.002,
            ..f(
                "crm-sync",
                AWS,
                AWS_DATA,
                "us-east-1",
                "dotnet8",
                "x86_64",
                3008,
                600000,
                "sqs",
                Share(2.5),
                Business,
                (150000.0, 0.45),
            )
        },
        FunctionSpec {
            error_rate: 0.02,
            operation: "POST /webhooks/stripe",
            steps: const { &[db("postgresql", "UPDATE", "payments")] },
            ..f(
                "webhook-stripe",
                AWS,
                AWS_PROD,
                "us-east-1",
                "ruby3.3",
                "x86_64",
                128,
                3000,
                "http",
                PerHour(3.0),
                Diurnal,
                (150.0, 0.5),
            )
        },
        f(
            "cron-cleanup",
            AWS,
            AWS_DATA,
            "us-east-1",
            "python3.12",
            "arm64",
            128,
            60000,
            "schedule",
            PerHour(4.0),
            Timer { every_minutes: 15 },
            (900.0, 0.3),
        ),
        // --- Azure Functions (Consumption) ---
        FunctionSpec {
            operation: "POST /api/checkout",
            steps: const {
                &[
                    db("mssql", "SELECT", "Carts"),
                    http("POST", "payments.acme-shop.com", "/authorize"),
                    db("mssql", "INSERT", "Orders"),
                ]
            },
            ..f(
                "az-http-checkout",
                AZ,
                AZ_SUB,
                "eastus",
                "dotnet-isolated8.0",
                "x86_64",
                1536,
                300000,
                "http",
                Share(4.0),
                Diurnal,
                (140.0, 0.45),
            )
        },
        f(
            "az-queue-processor",
            AZ,
            AZ_SUB,
            "eastus",
            "node20",
            "x86_64",
            1536,
            300000,
            "queue",
            Share(3.0),
            Steady,
            (380.0, 0.4),
        ),
        FunctionSpec {
            memory_used: 0.7,
            cpu_bound: 0.6,
            ..f(
                "az-timer-report",
                AZ,
                AZ_SUB,
                "westeurope",
                "python3.11",
                "x86_64",
                1536,
                300000,
                "timer",
                PerHour(2.0),
                Timer { every_minutes: 30 },
                (42000.0, 0.3),
            )
        },
        FunctionSpec {
            cpu_bound: 0.7,
            ..f(
                "az-blob-thumbnail",
                AZ,
                AZ_SUB,
                "westeurope",
                "node20",
                "x86_64",
                1536,
                300000,
                "blob",
                Share(1.5),
                Business,
                (760.0, 0.4),
            )
        },
        FunctionSpec {
            error_rate: 0.03,
            operation: "GET /api/admin/report",
            steps: const { &[db("mssql", "SELECT", "AuditLog")] },
            ..f(
                "az-sparse-admin",
                AZ,
                AZ_SUB,
                "eastus",
                "powershell7.4",
                "x86_64",
                1536,
                300000,
                "http",
                PerHour(0.8),
                Business,
                (950.0, 0.5),
            )
        },
        f(
            "az-eventhub-ingest",
            AZ,
            AZ_SUB,
            "eastus",
            "java17",
            "x86_64",
            1536,
            300000,
            "eventhub",
            Share(5.0),
            Steady,
            (55.0, 0.35),
        ),
        // --- Google Cloud Run functions ---
        FunctionSpec {
            operation: "GET /v1/products",
            steps: const { &[db("firestore", "RunQuery", "products")] },
            ..f(
                "gcf-api-gateway",
                GCP,
                GCP_PROJECT,
                "us-central1",
                "nodejs20",
                "x86_64",
                256,
                60000,
                "http",
                Share(5.0),
                Diurnal,
                (70.0, 0.45),
            )
        },
        f(
            "gcf-pubsub-worker",
            GCP,
            GCP_PROJECT,
            "us-central1",
            "python312",
            "x86_64",
            512,
            540000,
            "pubsub",
            Share(3.0),
            Steady,
            (430.0, 0.4),
        ),
        FunctionSpec {
            cpu_bound: 0.85,
            memory_used: 0.4,
            ..f(
                "gcf-storage-transcode",
                GCP,
                GCP_PROJECT,
                "europe-west1",
                "go122",
                "x86_64",
                8192,
                540000,
                "storage",
                Share(5.0),
                Business,
                (150000.0, 0.4),
            )
        },
        f(
            "gcf-firestore-trigger",
            GCP,
            GCP_PROJECT,
            "europe-west1",
            "nodejs20",
            "x86_64",
            256,
            60000,
            "firestore",
            PerHour(2.5),
            Diurnal,
            (210.0, 0.4),
        ),
        f(
            "gcf-scheduler-billing",
            GCP,
            GCP_PROJECT,
            "us-central1",
            "python312",
            "x86_64",
            1024,
            540000,
            "scheduler",
            Share(0.3),
            Batch { hour: 6 },
            (3100.0, 0.35),
        ),
        FunctionSpec {
            operation: "POST /orders",
            steps: const { &[db("firestore", "Commit", "orders")] },
            ..f(
                "gcf-java-orders",
                GCP,
                GCP_PROJECT,
                "us-central1",
                "java21",
                "x86_64",
                1024,
                60000,
                "http",
                Share(2.0),
                Business,
                (130.0, 0.4),
            )
        },
        // --- Cloudflare Workers ---
        FunctionSpec {
            operation: "GET /*",
            steps: const { &[http("GET", "origin.acme-shop.com", "/")] },
            ..f(
                "cf-edge-router",
                CF,
                CF_ACCOUNT,
                "global",
                "workerd",
                "x86_64",
                128,
                30000,
                "http",
                Share(12.0),
                Diurnal,
                (45.0, 0.6),
            )
        },
        FunctionSpec {
            operation: "GET /auth/session",
            steps: const { &[db("workers_kv", "get", "SESSIONS")] },
            ..f(
                "cf-auth-edge",
                CF,
                CF_ACCOUNT,
                "global",
                "workerd",
                "x86_64",
                128,
                30000,
                "http",
                Share(5.0),
                Diurnal,
                (18.0, 0.5),
            )
        },
        FunctionSpec {
            cpu_bound: 0.5,
            operation: "GET /img/{path}",
            steps: const { &[http("GET", "images.acme-shop.com", "/originals/{path}")] },
            ..f(
                "cf-image-proxy",
                CF,
                CF_ACCOUNT,
                "global",
                "workerd",
                "x86_64",
                128,
                30000,
                "http",
                Share(3.0),
                Diurnal,
                (160.0, 0.5),
            )
        },
        FunctionSpec {
            operation: "GET /",
            steps: const { &[db("workers_kv", "get", "EXPERIMENTS")] },
            ..f(
                "cf-ab-testing",
                CF,
                CF_ACCOUNT,
                "global",
                "workerd",
                "x86_64",
                128,
                30000,
                "http",
                Share(4.0),
                Diurnal,
                (9.0, 0.4),
            )
        },
        f(
            "cf-cron-purge",
            CF,
            CF_ACCOUNT,
            "global",
            "workerd",
            "x86_64",
            128,
            900000,
            "schedule",
            PerHour(1.0),
            Timer { every_minutes: 60 },
            (2400.0, 0.3),
        ),
        f(
            "cf-queue-consumer",
            CF,
            CF_ACCOUNT,
            "global",
            "workerd",
            "x86_64",
            128,
            900000,
            "queue",
            Share(1.0),
            Steady,
            (95.0, 0.4),
        ),
        // --- AWS Lambda: the architecture insights' cases, on top of the
        // workload ---
        // Doing too much: one handler serves a metadata lookup that needs
        // ~200 MB and a preview transcode that needs ~1.5 GB, so every
        // request is billed at the 2,048 MB the heavy route needs.
        FunctionSpec {
            cpu_bound: 0.5,
            steps: const { &[db("dynamodb", "GetItem", "media")] },
            routes: const {
                &[
                    route("GET /media/{id}", 0.75, (40.0, 0.35), 0.1),
                    route("POST /media/transcode-preview", 0.25, (2500.0, 0.3), 0.75),
                ]
            },
            ..f(
                "media-api",
                AWS,
                AWS_PROD,
                "us-east-1",
                "nodejs20.x",
                "x86_64",
                2048,
                29000,
                "http",
                Extra(12.0),
                Diurnal,
                (40.0, 0.35),
            )
        },
        // Sequential fan-out: one e-mail per recipient of an order, each
        // call awaited before the next, where parallel sends would take as
        // long as one.
        FunctionSpec {
            cpu_bound: 0.05,
            memory_used: 0.3,
            operation: "POST /orders/{id}/notify",
            steps: const {
                &[
                    db("dynamodb", "GetItem", "orders"),
                    Step::Repeat {
                        step: &SEND_MAIL,
                        min: 4,
                        max: 12,
                    },
                ]
            },
            ..f(
                "order-notifier",
                AWS,
                AWS_PROD,
                "us-east-1",
                "nodejs20.x",
                "arm64",
                256,
                30000,
                "http",
                Extra(3.0),
                Diurnal,
                (1600.0, 0.3),
            )
        },
        // Concurrency limit: a partner's backfill drops 1,500 files at once
        // in the middle of the window, each import running ~50 s; the data
        // account's us-east-1 runs at its 1,000 concurrent executions until
        // the throttled rest has run.
        FunctionSpec {
            cpu_bound: 0.4,
            memory_used: 0.35,
            surge: Some(Surge {
                events: 1500,
                spread_ms: 30_000,
            }),
            ..f(
                "bulk-import",
                AWS,
                AWS_DATA,
                "us-east-1",
                "python3.12",
                "arm64",
                1024,
                120000,
                "s3",
                Extra(0.5),
                Business,
                (50000.0, 0.08),
            )
        },
    ]
}

/// Median INIT duration (ms) and spread for a runtime: JVM and .NET start
/// an order of magnitude slower than interpreters; compiled binaries and V8
/// isolates fastest.
pub fn init_profile(provider: &str, runtime: &str) -> (f64, f64) {
    if provider == CF {
        return (4.0, 0.3);
    }
    let (median, sigma) = if runtime.starts_with("java") {
        (2600.0, 0.3)
    } else if runtime.starts_with("dotnet") {
        (950.0, 0.3)
    } else if runtime.starts_with("powershell") {
        (2100.0, 0.3)
    } else if runtime.starts_with("ruby") {
        (480.0, 0.3)
    } else if runtime.starts_with("python") {
        (340.0, 0.35)
    } else if runtime.starts_with("node") {
        (260.0, 0.35)
    } else {
        (70.0, 0.3)
    };
    // Consumption-plan and Cloud Run cold starts also pay for placing the
    // instance: seconds on Azure, a few hundred ms on GCP.
    match provider {
        AZ => (median * 2.2 + 900.0, sigma),
        GCP => (median * 1.3 + 250.0, sigma),
        _ => (median, sigma),
    }
}

/// How long an idle instance is kept warm (minutes), drawn per instance.
pub fn keep_alive_minutes(provider: &str) -> (f64, f64) {
    match provider {
        AWS => (5.0, 15.0),
        AZ => (20.0, 20.0),
        GCP => (15.0, 15.0),
        _ => (45.0, 90.0),
    }
}

/// Offset of the users' local time from UTC, by region.
pub fn utc_offset_hours(region: &str) -> i32 {
    match region {
        r if r.starts_with("us-") || r.starts_with("eastus") || r.starts_with("us") => -5,
        r if r.starts_with("eu") || r.starts_with("westeurope") => 1,
        _ => 0,
    }
}
