//! `faasight`: the command line that wires the collector, the analyzer and
//! the web UI to ClickHouse.
//!
//! `main` only parses arguments, installs logging and self-telemetry, runs
//! one command and maps its error to an exit code with a one-sentence
//! message; each command lives in `cmd/`.

mod cli;
mod cmd;

use clap::Parser;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// mimalloc rather than glibc's malloc: the collector allocates and frees
/// millions of short strings per second (span attributes, ids), and under
/// glibc that cost more CPU (malloc_consolidate, unlink_chunk) than
/// decoding the spans did; the analyzer's large frames gain as well. Built
/// without transparent huge pages (Cargo.toml says why).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    let dogfood = cmd::up::dogfood(&args);
    let options = faasight_telemetry::export::Options {
        endpoint: args
            .otel_endpoint
            .clone()
            .or_else(|| dogfood.as_ref().map(|d| d.endpoint.clone())),
        headers: dogfood
            .as_ref()
            .map(|d| vec![("authorization".to_owned(), format!("Bearer {}", d.token))])
            .unwrap_or_default(),
        default_service_name: "faasight".to_owned(),
    };
    let telemetry = match faasight_telemetry::export::install(&options) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("faasight: self-telemetry: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    // Logs go to stderr as FAASIGHT_LOG says; faasight's spans go to the
    // OTLP endpoint, whatever the log level (their own filter).
    let logs = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAASIGHT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        );
    tracing_subscriber::registry()
        .with(logs)
        .with(telemetry.as_ref().and_then(|t| t.layer()))
        .init();
    if let Some(t) = &telemetry {
        if matches!(
            args.command,
            cli::Command::Up(_) | cli::Command::Collector(_)
        ) {
            eprintln!("self-telemetry: {}", t.description);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("faasight: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let result = runtime.block_on(cmd::run(args, dogfood));
    // What is still queued (the last requests' spans, the final metric
    // points) is exported before the process ends.
    if let Some(t) = telemetry {
        t.shutdown();
    }
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faasight: {e:#}");
            std::process::ExitCode::from(cmd::exit_code(&e))
        }
    }
}
