//! `faasight`: the command line that wires the collector, the analyzer and
//! the web UI to ClickHouse.
//!
//! `main` only parses arguments, runs one command and maps its error to an
//! exit code with a one-sentence message; each command lives in `cmd/`.

mod cli;
mod cmd;

use clap::Parser;

/// mimalloc rather than glibc's malloc: the collector allocates and frees
/// millions of short strings per second (span attributes, ids), and under
/// glibc that cost more CPU (malloc_consolidate, unlink_chunk) than
/// decoding the spans did; the analyzer's large frames gain as well. Built
/// without transparent huge pages (Cargo.toml says why).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("FAASIGHT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
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
    match runtime.block_on(cmd::run(args)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("faasight: {e:#}");
            std::process::ExitCode::from(cmd::exit_code(&e))
        }
    }
}
