//! The one harness of the end-to-end tests: private ClickHouse servers,
//! `faasight up` or `faasight collector` over them ([`Stack`],
//! [`CollectorStack`]), the binary, free ports, posting bodies, reading
//! numbers back from ClickHouse and `/metrics`, and waiting on conditions
//! (never on fixed sleeps).

use base64::Engine;
use faasight_store::local::{LocalClickHouse, LocalConfig};
use faasight_store::{ClickHouseUrl, Store};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test, for tests that build their own command line.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_faasight"))
}

/// Runs the binary to completion, for the CLI's exit codes and output.
pub fn faasight(args: &[&str]) -> Output {
    Command::new(bin())
        .args(args)
        .env("FAASIGHT_LOG", "warn")
        .output()
        .expect("run faasight")
}

/// Like [`faasight`], asserting success and returning stdout: for the
/// steps a test builds on (loading data, reading a report).
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

/// A port nobody listens on right now, outside the range outgoing
/// connections take theirs from, so tests running side by side do not
/// collide.
pub fn free_port() -> u16 {
    faasight_store::local::free_port().unwrap()
}

/// A private ClickHouse in a temporary directory, so every test has its
/// own tables. It can be stopped, killed and started again on the same
/// data and ports, for the tests of what survives an outage.
pub struct ClickHouse {
    /// `None` while stopped. Declared before `_dir`: dropped first.
    server: Option<LocalClickHouse>,
    cfg: LocalConfig,
    url: ClickHouseUrl,
    _dir: tempfile::TempDir,
}

impl ClickHouse {
    /// Starts a server with empty tables on free ports.
    pub async fn start() -> ClickHouse {
        let dir = tempfile::tempdir().unwrap();
        let cfg = LocalConfig::with_free_ports(dir.path()).unwrap();
        let server = LocalClickHouse::start(&cfg)
            .await
            .expect("start a private clickhouse-server");
        ClickHouse {
            url: server.url().clone(),
            server: Some(server),
            cfg,
            _dir: dir,
        }
    }

    /// The URL to pass as `--clickhouse-url` (credentials included).
    pub fn url(&self) -> String {
        self.url.with_credentials()
    }

    /// [`ClickHouse::url`] for another database, for a second data set on
    /// the same server.
    pub fn url_for(&self, database: &str) -> String {
        let mut url = self.url.clone();
        url.database = database.to_string();
        url.with_credentials()
    }

    /// A client as the server's admin, to read back what was stored.
    pub fn store(&self) -> Store {
        Store::connect(&self.url)
    }

    /// Stores `lines` (NDJSON invocation records) with `faasight import`,
    /// as a user would: through the decoder, normalize and the rollup.
    pub fn import_ndjson(&self, lines: &[String]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("invocations.ndjson");
        std::fs::write(&path, lines.join("\n")).unwrap();
        let url = self.url();
        faasight_ok(&[
            "import",
            "--format",
            "ndjson",
            path.to_str().unwrap(),
            "--clickhouse-url",
            &url,
        ]);
    }

    /// One number: `sql` selects a single `UInt64` in a single row (a
    /// count, a sum, `uniqExact`). How the tests check what was stored.
    pub async fn count(&self, sql: &str) -> u64 {
        self.store()
            .client()
            .query(sql)
            .fetch_one::<u64>()
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Stops the server (SIGTERM), as an outage the binary must ride out.
    pub async fn stop(&mut self) {
        let server = self.server.take().expect("clickhouse is running");
        server.stop().await.unwrap();
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the
    /// kernel and nothing answers — a server hung under load. `thaw` ends it.
    pub fn freeze(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// Resumes a server frozen by [`ClickHouse::freeze`] (SIGCONT).
    pub fn thaw(&self) {
        self.signal(libc::SIGCONT);
    }

    #[allow(unsafe_code)]
    fn signal(&self, signal: libc::c_int) {
        let pid = self
            .server
            .as_ref()
            .and_then(LocalClickHouse::pid)
            .expect("clickhouse is running");
        // SAFETY: kill(2) has no memory-safety preconditions; the pid is
        // our child's, not yet reaped.
        unsafe {
            libc::kill(pid as libc::pid_t, signal);
        }
    }

    /// Kills the server with SIGKILL: no flush, an INSERT cut off anywhere.
    pub fn crash(&mut self) {
        self.server.take().expect("clickhouse is running").crash();
    }

    /// Starts the server again after [`ClickHouse::stop`] or
    /// [`ClickHouse::crash`], on the same data, ports and password.
    pub async fn restart(&mut self) {
        assert!(self.server.is_none(), "clickhouse is still running");
        let server = LocalClickHouse::start(&self.cfg)
            .await
            .expect("restart the private clickhouse-server");
        self.url = server.url().clone();
        self.server = Some(server);
    }
}

/// A [`Store`] for a URL with credentials, for servers the harness did not
/// start (`faasight up`'s own, another database).
pub fn store_at(url: &str) -> Store {
    Store::connect(&ClickHouseUrl::parse(url).unwrap())
}

/// The setup most tests share: a private ClickHouse, `faasight up` over it
/// (its log and its own data directory in a temporary directory that lives
/// as long as `up`, so no two tests share a spool), and an HTTP client.
/// Tests destructure it (`let Stack { ch, up, .. } = Stack::start().await;`);
/// bind `ch` and `up` for the whole test, since a field left to `..` is
/// dropped at once.
pub struct Stack {
    /// `faasight up` over `ch`. Declared first: the process goes before
    /// the server under it.
    pub up: Up,
    /// For requests a test builds itself (GETs, headers to inspect).
    pub client: reqwest::Client,
    /// A client of the web UI's API signed in as [`Stack::login`] (its
    /// read token on every request).
    pub api: reqwest::Client,
    /// User `tester`, of tenant `default`, made before `up` started.
    pub login: Login,
    /// The server `up` writes to, to read back what was stored.
    pub ch: ClickHouse,
    /// `faasight up --data-dir`: the collector's spool and Lambda
    /// environments.
    pub data_dir: PathBuf,
}

impl Stack {
    /// A fresh ClickHouse and `faasight up` over it.
    pub async fn start() -> Stack {
        Stack::over(ClickHouse::start().await, &[], &[]).await
    }

    /// Like [`Stack::start`], with environment variables for `faasight up`
    /// (ingest tokens).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Stack {
        Stack::over(ClickHouse::start().await, &[], env).await
    }

    /// `faasight up` over a ClickHouse the test prepared (demo data loaded
    /// first), with more arguments and environment variables.
    pub async fn over(ch: ClickHouse, args: &[&str], env: &[(&str, &str)]) -> Stack {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let url = ch.url();
        let mut all = vec![
            "--clickhouse-url",
            &url,
            "--data-dir",
            data_dir.to_str().unwrap(),
        ];
        all.extend_from_slice(args);
        let login = add_user(&data_dir, "tester", &["default"]);
        let mut up = Up::start_with_env(&all, env, dir.path()).await;
        up.dir = Some(dir);
        Stack {
            up,
            client: reqwest::Client::new(),
            api: login.api_client(),
            login,
            ch,
            data_dir,
        }
    }
}

/// A user of the web UI: name, password and an API read token.
#[derive(Debug, Clone)]
pub struct Login {
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    /// `fst_…` read token.
    pub token: String,
}

impl Login {
    /// A client sending this user's read token with every request.
    pub fn api_client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", self.token).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap()
    }
}

/// Adds `user` with `tenants` to the users file of `data_dir` with
/// `faasight user add` (password on stdin) and makes a read token with
/// `faasight user token`.
pub fn add_user(data_dir: &Path, user: &str, tenants: &[&str]) -> Login {
    use std::io::Write;
    let password = format!("{user}-password-{}", free_port());
    let mut args = vec![
        "user",
        "add",
        user,
        "--data-dir",
        data_dir.to_str().unwrap(),
    ];
    for t in tenants {
        args.extend(["--tenant", t]);
    }
    let mut child = Command::new(bin())
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = faasight_ok(&[
        "user",
        "token",
        user,
        "--data-dir",
        data_dir.to_str().unwrap(),
    ]);
    Login {
        user: user.into(),
        password,
        token: token.trim().into(),
    }
}

/// Signs in at `web`'s form as a browser would (the login CSRF cookie and
/// field first) and returns the session cookie (`faasight_session=…`).
pub async fn sign_in(web: &str, user: &str, password: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(format!("{web}/login")).send().await.unwrap();
    let login_cookie =
        set_cookie(&form, "faasight_login_csrf").expect("the form sets its CSRF cookie");
    let page = form.text().await.unwrap();
    let csrf = hidden_field(&page, "csrf");
    let r = client
        .post(format!("{web}/login"))
        .header("cookie", login_cookie)
        .form(&[
            ("user", user),
            ("password", password),
            ("csrf", &csrf),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303, "signing in as {user}");
    set_cookie(&r, "faasight_session").expect("signing in sets the session cookie")
}

/// `name=value` of the cookie `name` a response sets.
pub fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// The value of the hidden form field `name` in `html`.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    html[start..][..html[start..].find('"').unwrap()].to_string()
}

/// `faasight collector` on its own over a fresh ClickHouse (its spool and
/// log in a temporary directory that lives as long as `collector`): the
/// setup of the tests of hostile input. Tests destructure it; bind `ch`
/// (as `_ch` where unused), since a field left to `..` is dropped at once.
pub struct CollectorStack {
    /// The collector over `ch`. Declared first: the process goes before
    /// the server under it.
    pub collector: Collector,
    /// The server the collector writes to, to read back what was stored.
    pub ch: ClickHouse,
}

impl CollectorStack {
    /// A fresh ClickHouse and the collector over it.
    pub async fn start() -> CollectorStack {
        CollectorStack::start_with_args(&[]).await
    }

    /// Like [`CollectorStack::start`], with more arguments for the collector.
    pub async fn start_with_args(args: &[&str]) -> CollectorStack {
        let ch = ClickHouse::start().await;
        let dir = tempfile::tempdir().unwrap();
        let mut collector = Collector::start(&ch.url(), dir.path(), args).await;
        collector.dir = Some(dir);
        CollectorStack { collector, ch }
    }
}

/// Posts `body` to `url` with `headers` and returns the status and the
/// answer: its JSON, or the text as a JSON string when it is not JSON.
/// Every ingest test checks an answer this way.
pub async fn post(
    url: impl reqwest::IntoUrl,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().post(url).body(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The collector's Prometheus text from `{collector}/metrics`, or `None`
/// when it does not answer (polling loops try again).
pub async fn metrics(collector: &str) -> Option<String> {
    reqwest::get(format!("{collector}/metrics"))
        .await
        .ok()?
        .text()
        .await
        .ok()
}

/// The value of the sample `name` (labels included, as in
/// `x_total{reason="too_large"}`) in Prometheus text from [`metrics`].
pub fn gauge(metrics: &str, name: &str) -> u64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in\n{metrics}"))
}

/// Gzip, as Lambda log shippers and hostile clients send bodies.
pub fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Standard base64, as CloudWatch envelopes and Firehose records carry data.
pub fn b64(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
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

/// GETs `url` with `client` (a signed-in API client, usually) and parses
/// the answer as JSON.
pub async fn get_json(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// Waits until `url` answers 200: a server has started.
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
    /// The process, for tests that kill it (SIGKILL) themselves.
    pub child: Child,
    /// The web UI and API, `http://127.0.0.1:PORT`.
    pub web: String,
    /// The collector's HTTP endpoints, `http://127.0.0.1:PORT`.
    pub collector: String,
    /// OTLP/gRPC endpoint, `http://127.0.0.1:PORT`.
    pub otlp_grpc: String,
    /// The log file, read by [`Up::stderr_text`].
    pub stderr: PathBuf,
    /// How it was started, for [`Up::start_again`].
    args: Vec<String>,
    env: Vec<(String, String)>,
    log_dir: PathBuf,
    /// The temporary `log_dir` when the harness made it: removed after
    /// the process is gone.
    dir: Option<tempfile::TempDir>,
}

impl Up {
    /// Starts `faasight up` with `args` plus free web/collector ports, and
    /// waits until both answer.
    pub async fn start(args: &[&str], log_dir: &Path) -> Up {
        Up::start_with_env(args, &[], log_dir).await
    }

    /// Like [`Up::start`], with extra environment variables.
    pub async fn start_with_env(args: &[&str], env: &[(&str, &str)], log_dir: &Path) -> Up {
        // Another test's server may take a port between `free_port` and
        // `up` binding it; `up` then exits saying so, and gets new ports.
        for _ in 0..3 {
            let mut up = Up::spawn(args, env, log_dir);
            match up.wait_until_answering().await {
                Ok(()) => return up,
                Err(log) if log.contains("cannot listen on") => continue,
                Err(log) => panic!("{log}"),
            }
        }
        panic!("faasight up found a port taken three times in a row")
    }

    fn spawn(args: &[&str], env: &[(&str, &str)], log_dir: &Path) -> Up {
        let (web_port, collector_port, grpc_port) = (free_port(), free_port(), free_port());
        let web = format!("127.0.0.1:{web_port}");
        let collector = format!("127.0.0.1:{collector_port}");
        let grpc = format!("127.0.0.1:{grpc_port}");
        let stderr = log_dir.join(format!("up-{web_port}.log"));
        let mut command = Command::new(bin());
        command
            .arg("up")
            .args(args)
            .args(["--web-listen", &web, "--collector-listen", &collector])
            .args(["--otlp-grpc-listen", &grpc]);
        // Self-telemetry only as the test says (`--demo` sends it to its
        // own collector unless an OTEL_ endpoint is set).
        for (name, _) in std::env::vars() {
            if name.starts_with("OTEL_") {
                command.env_remove(name);
            }
        }
        let child = spawn_logged(command.envs(env.iter().copied()), &stderr);
        Up {
            child,
            web: format!("http://{web}"),
            collector: format!("http://{collector}"),
            otlp_grpc: format!("http://{grpc}"),
            stderr,
            args: args.iter().map(|a| a.to_string()).collect(),
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            log_dir: log_dir.to_path_buf(),
            dir: None,
        }
    }

    /// Waits until the web UI and the collector both answer `/healthz`;
    /// if the process exits first, or the bound passes, the error is what
    /// happened with the end of its log.
    async fn wait_until_answering(&mut self) -> Result<(), String> {
        // A bound, not a sleep: `up --demo` builds and loads the demo first,
        // which on two cores shared with the heavier e2e tests (ClickHouse
        // killed mid-load) has taken over two minutes in a debug build.
        let limit = Duration::from_secs(300);
        let deadline = Instant::now() + limit;
        let client = reqwest::Client::new();
        let tail = |up: &Up| {
            let log = up.stderr_text();
            let tail: Vec<&str> = log.lines().rev().take(40).collect();
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        };
        for url in [self.web.clone(), self.collector.clone()] {
            let healthz = format!("{url}/healthz");
            loop {
                let ok = client
                    .get(&healthz)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    break;
                }
                if let Some(status) = self.child.try_wait().unwrap() {
                    return Err(format!(
                        "faasight up exited ({status}) before {healthz} answered; \
                         the end of its log:\n{}",
                        tail(self)
                    ));
                }
                if Instant::now() > deadline {
                    return Err(format!(
                        "timed out after {limit:?} waiting for {healthz}; the end of `up`'s log:\n{}",
                        tail(self)
                    ));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// Sends SIGTERM and waits for the exit status.
    pub async fn stop(mut self) -> ExitStatus {
        self.shut_down().await
    }

    /// Like [`Up::stop`], keeping the handle for [`Up::start_again`]. A
    /// process that already exited (killed by the test) is not signalled.
    pub async fn shut_down(&mut self) -> ExitStatus {
        if let Some(status) = self.child.try_wait().unwrap() {
            return status;
        }
        terminate(self.child.id());
        let child = &mut self.child;
        wait_for("faasight up to exit", Duration::from_secs(60), || {
            let status = child.try_wait().unwrap();
            async move { status }
        })
        .await
    }

    /// Starts `faasight up` again with the same arguments and environment
    /// (new ports, a new log) once this one has exited: for what must
    /// survive a restart.
    pub async fn start_again(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_some(),
            "faasight up is still running"
        );
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let env: Vec<(&str, &str)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let dir = self.dir.take();
        *self = Up::start_with_env(&args, &env, &self.log_dir).await;
        self.dir = dir;
    }

    /// What `faasight up` logged so far.
    pub fn stderr_text(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// What the process printed on stdout so far (the banner, the demo
    /// login).
    pub fn stdout_text(&self) -> String {
        std::fs::read_to_string(self.stderr.with_extension("out")).unwrap_or_default()
    }
}

impl Drop for Up {
    fn drop(&mut self) {
        kill_and_reap(&mut self.child);
    }
}

/// `faasight collector` on its own, as a child process.
pub struct Collector {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub http: String,
    /// `http://127.0.0.1:PORT` (OTLP/gRPC).
    pub grpc: String,
    /// The temporary `dir` when the harness made it: removed after the
    /// process is gone.
    dir: Option<tempfile::TempDir>,
}

impl Collector {
    /// Starts the collector against `clickhouse_url` with its spool in
    /// `dir`, plus `args`, and waits until it answers.
    pub async fn start(clickhouse_url: &str, dir: &Path, args: &[&str]) -> Collector {
        Collector::start_with_env(clickhouse_url, dir, args, &[]).await
    }

    /// [`Collector::start`] with variables set in its environment (none
    /// of the caller's `OTEL_*` ones: self-telemetry is off unless a test
    /// turns it on here).
    pub async fn start_with_env(
        clickhouse_url: &str,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Collector {
        let http = free_port();
        Collector::start_on(clickhouse_url, dir, args, env, http).await
    }

    /// [`Collector::start_with_env`] on a given HTTP port (chosen before
    /// another process must know it).
    pub async fn start_on(
        clickhouse_url: &str,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        http: u16,
    ) -> Collector {
        let grpc = free_port();
        let mut command = Command::new(bin());
        command
            .args(["collector", "--clickhouse-url", clickhouse_url])
            .args(["--listen", &format!("127.0.0.1:{http}")])
            .args(["--otlp-grpc-listen", &format!("127.0.0.1:{grpc}")])
            .arg("--spool-dir")
            .arg(dir.join("spool"))
            .args(args)
            .env_remove("FAASIGHT_INGEST_TOKENS");
        for (name, _) in std::env::vars() {
            if name.starts_with("OTEL_") {
                command.env_remove(name);
            }
        }
        command.envs(env.iter().copied());
        let child = spawn_logged(&mut command, &dir.join(format!("collector-{http}.log")));
        let c = Collector {
            child,
            http: format!("http://127.0.0.1:{http}"),
            grpc: format!("http://127.0.0.1:{grpc}"),
            dir: None,
        };
        wait_http_ok(&format!("{}/healthz", c.http), Duration::from_secs(60)).await;
        c
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        kill_and_reap(&mut self.child);
    }
}

/// Spawns `command` without stdin or stdout and with stderr to `log`, as
/// the harness runs every server: the log outlives a failed start.
fn spawn_logged(command: &mut Command, log: &Path) -> Child {
    command
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(log.with_extension("out")).unwrap())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap()
}

/// SIGKILL and wait, so no test leaves a process behind; a child already
/// waited for is not signalled again.
pub fn kill_and_reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends SIGTERM to `pid`: a graceful stop, as a service manager does.
#[allow(unsafe_code)]
pub fn terminate(pid: u32) {
    // SAFETY: kill(2) has no memory-safety preconditions.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
}

/// Waits until everything the collector at `collector` (its HTTP base URL)
/// has acknowledged is in ClickHouse. A request is answered once its rows
/// are in the collector's spool; the INSERT follows within the linger
/// (200 ms) when ClickHouse answers.
pub async fn stored(collector: &str) {
    stored_within(collector, Duration::from_secs(60)).await
}

/// [`stored`], waiting up to `limit` (a spool replayed after an outage).
pub async fn stored_within(collector: &str, limit: Duration) {
    wait_for(
        "the acknowledged rows to be in ClickHouse",
        limit,
        || async {
            let m = metrics(collector).await?;
            (gauge(&m, "faasight_collector_spool_pending_batches") == 0
                && gauge(&m, "faasight_collector_queued_rows") == 0)
                .then_some(())
        },
    )
    .await
}
