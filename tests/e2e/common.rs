//! Shared helpers: private ClickHouse servers, the binary, free ports, and
//! waiting on conditions (never on fixed sleeps).

use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::Store;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_faasight"))
}

/// Runs the binary to completion.
pub fn faasight(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("FAASIGHT_LOG", "warn")
        .output()
        .expect("run faasight")
}

/// Like [`faasight`], asserting success and returning stdout.
pub fn faasight_ok(args: &[&str]) -> String {
    let out = faasight(args);
    assert!(
        out.status.success(),
        "faasight {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The Python with the test tools (chDB, the OpenTelemetry SDK):
/// `FAASIGHT_TEST_PYTHON`, else the project's `.venv-test` that
/// `scripts/install-deps.sh --test` makes, else `python3`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("FAASIGHT_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv-test/bin/python");
    if venv.is_file() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind(("127.0.0.1", 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A private ClickHouse in a temporary directory.
pub struct ClickHouse {
    pub server: LocalClickHouse,
    _dir: tempfile::TempDir,
}

impl ClickHouse {
    pub async fn start() -> ClickHouse {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LocalConfig::with_free_ports(dir.path()).unwrap();
        let server = LocalClickHouse::start(&cfg)
            .await
            .expect("start a private clickhouse-server");
        ClickHouse { server, _dir: dir }
    }

    /// The URL to pass as `--clickhouse-url` (credentials included).
    pub fn url(&self) -> String {
        self.server.url().with_credentials()
    }

    /// [`ClickHouse::url`] for another database.
    pub fn url_for(&self, database: &str) -> String {
        let mut url = self.server.url().clone();
        url.database = database.to_string();
        url.with_credentials()
    }

    pub fn store(&self) -> Store {
        Store::connect(self.server.url())
    }
}

/// Polls `check` every 50 ms until it returns `Some`, failing after `limit`.
pub async fn wait_for<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until `url` answers 200.
pub async fn wait_http_ok(url: &str, limit: Duration) {
    let client = reqwest::Client::new();
    wait_for(url, limit, || {
        let req = client.get(url).send();
        async move {
            req.await
                .ok()
                .filter(|r| r.status().is_success())
                .map(|_| ())
        }
    })
    .await
}

/// `faasight up` as a child process, stderr captured to a file.
pub struct Up {
    pub child: Child,
    pub web: String,
    pub collector: String,
    /// OTLP/gRPC endpoint, `http://127.0.0.1:PORT`.
    pub otlp_grpc: String,
    pub stderr: PathBuf,
}

impl Up {
    /// Starts `faasight up` with `args` plus free web/collector ports, and
    /// waits until both answer.
    pub async fn start(args: &[&str], log_dir: &Path) -> Up {
        Up::start_with_env(args, &[], log_dir).await
    }

    /// Like [`Up::start`], with extra environment variables.
    pub async fn start_with_env(args: &[&str], env: &[(&str, &str)], log_dir: &Path) -> Up {
        let (web_port, collector_port, grpc_port) = (free_port(), free_port(), free_port());
        let web = format!("127.0.0.1:{web_port}");
        let collector = format!("127.0.0.1:{collector_port}");
        let grpc = format!("127.0.0.1:{grpc_port}");
        let stderr = log_dir.join(format!("up-{web_port}.log"));
        let child = Command::new(bin())
            .arg("up")
            .args(args)
            .args([
                "--web-listen",
                &web,
                "--collector-listen",
                &collector,
                "--otlp-grpc-listen",
                &grpc,
            ])
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        let up = Up {
            child,
            web: format!("http://{web}"),
            collector: format!("http://{collector}"),
            otlp_grpc: format!("http://{grpc}"),
            stderr,
        };
        let limit = Duration::from_secs(120);
        wait_http_ok(&format!("{}/healthz", up.web), limit).await;
        wait_http_ok(&format!("{}/healthz", up.collector), limit).await;
        up
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn stop(mut self) -> std::process::ExitStatus {
        terminate(self.child.id());
        let child = &mut self.child;
        wait_for("faasight up to exit", Duration::from_secs(60), || {
            let status = child.try_wait().unwrap();
            async move { status }
        })
        .await
    }

    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `faasight collector` on its own, as a child process.
pub struct Collector {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub http: String,
    /// `http://127.0.0.1:PORT` (OTLP/gRPC).
    pub grpc: String,
}

impl Collector {
    /// Starts the collector against `clickhouse_url` with its spool in
    /// `dir`, plus `args`, and waits until it answers.
    pub async fn start(clickhouse_url: &str, dir: &Path, args: &[&str]) -> Collector {
        let (http, grpc) = (free_port(), free_port());
        let child = Command::new(bin())
            .args(["collector", "--clickhouse-url", clickhouse_url])
            .args(["--listen", &format!("127.0.0.1:{http}")])
            .args(["--otlp-grpc-listen", &format!("127.0.0.1:{grpc}")])
            .arg("--spool-dir")
            .arg(dir.join("spool"))
            .args(args)
            .env_remove("FAASIGHT_INGEST_TOKENS")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join(format!("collector-{http}.log"))).unwrap())
            .spawn()
            .unwrap();
        let c = Collector {
            child,
            http: format!("http://127.0.0.1:{http}"),
            grpc: format!("http://127.0.0.1:{grpc}"),
        };
        wait_http_ok(&format!("{}/healthz", c.http), Duration::from_secs(60)).await;
        c
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[allow(unsafe_code)]
pub fn terminate(pid: u32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
}
