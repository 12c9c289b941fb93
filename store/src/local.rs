//! A private ClickHouse server under a data directory.
//!
//! `faasight up` and the test suite run their own `clickhouse-server` (the
//! Debian package, 18.16 here) with a minimal config written next to its
//! data, bound to 127.0.0.1 only. The data survives restarts of the same
//! directory. The server is asked to stop with SIGTERM (it flushes and exits
//! in a few seconds) and is also told by the kernel to exit if the process
//! that started it dies, so a crashed test run leaves no server behind.

use crate::{ClickHouseUrl, Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Where to put the server and which ports it listens on.
#[derive(Debug, Clone)]
pub struct LocalConfig {
    /// The data directory; the server's files go under `clickhouse/` in it.
    pub data_dir: PathBuf,
    /// HTTP interface port (what faasight uses).
    pub http_port: u16,
    /// Native protocol port (for `clickhouse-client`).
    pub tcp_port: u16,
    /// How long to wait for the first answer.
    pub start_timeout: Duration,
    /// A `<remote_servers>` element for the server's configuration (the
    /// clusters it knows), e.g. the two shards of the cluster-mode test.
    pub remote_servers: Option<String>,
}

impl LocalConfig {
    /// Defaults for `faasight up`: ports 18123/19000.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        LocalConfig {
            data_dir: data_dir.into(),
            http_port: 18123,
            tcp_port: 19000,
            start_timeout: Duration::from_secs(60),
            remote_servers: None,
        }
    }

    /// Free ports picked by the OS, for tests running side by side.
    pub fn with_free_ports(data_dir: impl Into<PathBuf>) -> Result<Self> {
        let mut cfg = LocalConfig::new(data_dir);
        cfg.http_port = free_port()?;
        cfg.tcp_port = free_port()?;
        Ok(cfg)
    }
}

/// A running private server. Stopped on [`LocalClickHouse::stop`] or drop.
///
/// It has two users, each with a password generated at the first start and
/// kept in a file only the owner can read (`clickhouse/admin-password`,
/// `clickhouse/reader-password` under the data directory): `default`, which
/// migrates and writes, and `faasight_reader`, with `readonly = 2` (it may
/// read and set query settings, never write or change the schema), for
/// the web UI and the API. No user is without a password, even on
/// 127.0.0.1: any local process could otherwise read every tenant's data
/// or drop the tables.
#[derive(Debug)]
pub struct LocalClickHouse {
    child: Option<Child>,
    url: ClickHouseUrl,
    reader_url: ClickHouseUrl,
    dir: PathBuf,
    tcp_port: u16,
}

/// The user the web UI reads as.
pub const READER_USER: &str = "faasight_reader";

/// The password kept in `path`, made (32 random hex digits, mode 0600) if
/// the file does not exist yet.
fn password_file(path: &Path) -> Result<String> {
    use std::io::{Read, Write};
    use std::os::unix::fs::OpenOptionsExt;
    match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_string()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(format!("read {}", path.display()), e)),
    }
    let mut bytes = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("read /dev/urandom", e))?;
    let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("create {}", path.display()), e))?;
    file.write_all(password.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| Error::io(format!("write {}", path.display()), e))?;
    Ok(password)
}

fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Finds `clickhouse-server`: the file `FAASIGHT_CLICKHOUSE_SERVER` names if
/// set, else on PATH or in /usr/sbin (where Debian puts it, often outside a
/// non-root PATH).
pub fn find_server() -> Result<PathBuf> {
    if let Some(explicit) = std::env::var_os("FAASIGHT_CLICKHOUSE_SERVER") {
        let explicit = PathBuf::from(explicit);
        return if explicit.is_file() {
            Ok(explicit)
        } else {
            Err(Error::ServerNotInstalled)
        };
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|dir| dir.join("clickhouse-server"))
        .find(|p| p.is_file())
        .ok_or(Error::ServerNotInstalled)
}

impl LocalClickHouse {
    /// Starts the server and waits until it answers queries.
    ///
    /// Call this from the task that owns the server's lifetime (the main
    /// future or a test body): the kernel stops the server when the thread
    /// that started it exits.
    pub async fn start(cfg: &LocalConfig) -> Result<LocalClickHouse> {
        let server = find_server()?;
        for port in [cfg.http_port, cfg.tcp_port] {
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_err() {
                return Err(Error::PortInUse { port });
            }
        }
        let dir = cfg.data_dir.join("clickhouse");
        for sub in ["data", "tmp", "log", "user_files", "format_schemas"] {
            std::fs::create_dir_all(dir.join(sub))
                .map_err(|e| Error::io(format!("create {}", dir.join(sub).display()), e))?;
        }
        let dir = dir
            .canonicalize()
            .map_err(|e| Error::io(format!("resolve {}", dir.display()), e))?;
        write_file(&dir.join("config.xml"), &server_config(&dir, cfg))?;
        let admin_password = password_file(&dir.join("admin-password"))?;
        let reader_password = password_file(&dir.join("reader-password"))?;
        write_file(
            &dir.join("users.xml"),
            &users_xml(&admin_password, &reader_password),
        )?;
        let stdout = log_file(&dir.join("log/stdout.log"))?;
        let stderr = log_file(&dir.join("log/stderr.log"))?;

        let mut command = Command::new(&server);
        command
            .arg(format!(
                "--config-file={}",
                dir.join("config.xml").display()
            ))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr);
        exit_with_parent(&mut command);
        let child = command
            .spawn()
            .map_err(|e| Error::io(format!("start {}", server.display()), e))?;
        let base = format!("127.0.0.1:{}", cfg.http_port);
        let url = ClickHouseUrl::parse(&format!("http://default:{admin_password}@{base}"))?;
        let reader_url =
            ClickHouseUrl::parse(&format!("http://{READER_USER}:{reader_password}@{base}"))?;
        let mut local = LocalClickHouse {
            child: Some(child),
            url,
            reader_url,
            dir,
            tcp_port: cfg.tcp_port,
        };
        local.wait_ready(cfg.start_timeout).await?;
        Ok(local)
    }

    async fn wait_ready(&mut self, timeout: Duration) -> Result<()> {
        let client = clickhouse::Client::default()
            .with_url(self.url.base.clone())
            .with_user(self.url.user.clone())
            .with_password(self.url.password.clone())
            .with_validation(false);
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(self.start_failed(format!("the server exited with {status}")));
                }
            }
            if client.query("SELECT 1").fetch_one::<u8>().await.is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                self.kill();
                return Err(self.start_failed(format!("no answer within {timeout:?}")));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn start_failed(&self, reason: String) -> Error {
        let log = self.dir.join("log/server.err.log");
        let tail = std::fs::read_to_string(&log)
            .ok()
            .and_then(|t| {
                t.lines()
                    .rev()
                    .find(|l| l.contains("Exception") || l.contains("Error"))
                    .map(str::to_string)
            })
            .map(|l| format!("; last error: {l}"))
            .unwrap_or_default();
        Error::StartFailed {
            reason: format!("{reason}{tail}"),
            log,
        }
    }

    /// The HTTP URL of the server as `default`, which may write and
    /// migrate (its password included).
    pub fn url(&self) -> &ClickHouseUrl {
        &self.url
    }

    /// The HTTP URL of the server as the read-only `faasight_reader`.
    pub fn reader_url(&self) -> &ClickHouseUrl {
        &self.reader_url
    }

    /// The native protocol port, for `clickhouse-client --port`.
    pub fn tcp_port(&self) -> u16 {
        self.tcp_port
    }

    /// The server's process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// Asks the server to stop (SIGTERM) and waits up to 30 s, then kills it.
    pub async fn stop(mut self) -> Result<()> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        send_signal(child.id(), libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match child.try_wait() {
                Ok(Some(_)) => return Ok(()),
                Ok(None) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(50)).await
                }
                _ => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ok(());
                }
            }
        }
    }

    /// Kills the server with SIGKILL and waits for it: no flush, no
    /// cleanup — what a crash or the OOM killer does. For fault tests.
    pub fn crash(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for LocalClickHouse {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            send_signal(child.id(), libc::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port nobody listens on now, picked below the kernel's ephemeral range
/// (`/proc/sys/net/ipv4/ip_local_port_range`). A port the OS hands out for
/// `bind(0)` comes from that range, which is also where every outgoing
/// connection takes its local port: between picking such a port and the
/// server binding it, a client connection (to ClickHouse, say) can take it,
/// and the server fails with "address already in use". Ports below the
/// range are only ever taken by listeners that ask for them.
pub fn free_port() -> Result<u16> {
    use std::hash::{BuildHasher, Hasher};
    let low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u16>().ok())
        .unwrap_or(32768);
    const FIRST: u16 = 10_000;
    if low > FIRST + 1_000 {
        let random = std::collections::hash_map::RandomState::new();
        for attempt in 0u64..200 {
            let mut h = random.build_hasher();
            h.write_u64(attempt);
            h.write_u32(std::process::id());
            let port = FIRST + (h.finish() % u64::from(low - FIRST)) as u16;
            if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
                return Ok(port);
            }
        }
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .map_err(|e| Error::io("pick a free port", e))?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| Error::io("pick a free port", e))
}

fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| Error::io(format!("write {}", path.display()), e))
}

fn log_file(path: &Path) -> Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(format!("open {}", path.display()), e))
}

#[allow(unsafe_code)]
fn send_signal(pid: u32, signal: libc::c_int) {
    // SAFETY: kill(2) has no memory-safety preconditions; the pid is that of
    // a child we have not yet reaped, so it cannot name another process.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
}

#[allow(unsafe_code)]
fn exit_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: the closure runs between fork and exec and only calls prctl(2),
    // which is async-signal-safe and touches no memory of ours.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
}

/// The server config: the minimum 18.16 needs, accepted by current servers
/// too (they still read the `<yandex>` root element).
fn server_config(dir: &Path, cfg: &LocalConfig) -> String {
    let d = dir.display();
    format!(
        r#"<?xml version="1.0"?>
<yandex>
  <logger>
    <level>warning</level>
    <log>{d}/log/server.log</log>
    <errorlog>{d}/log/server.err.log</errorlog>
    <size>100M</size>
    <count>3</count>
  </logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <users_config>{d}/users.xml</users_config>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
  <timezone>UTC</timezone>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  {remote_servers}
</yandex>
"#,
        http = cfg.http_port,
        tcp = cfg.tcp_port,
        remote_servers = cfg.remote_servers.as_deref().unwrap_or_default(),
    )
}

/// Users: `default` (writes, migrates) and `faasight_reader` (read-only),
/// each with a SHA-256 password hash, reachable from loopback only.
fn users_xml(admin_password: &str, reader_password: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<yandex>
  <profiles>
    <default>
      <max_memory_usage>8000000000</max_memory_usage>
      <load_balancing>random</load_balancing>
    </default>
    <reader>
      <max_memory_usage>8000000000</max_memory_usage>
      <readonly>2</readonly>
    </reader>
  </profiles>
  <users>
    <default>
      <password_sha256_hex>{admin}</password_sha256_hex>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
    <{READER_USER}>
      <password_sha256_hex>{reader}</password_sha256_hex>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>reader</profile>
      <quota>default</quota>
    </{READER_USER}>
  </users>
  <quotas>
    <default>
      <interval>
        <duration>3600</duration>
        <queries>0</queries>
        <errors>0</errors>
        <result_rows>0</result_rows>
        <read_rows>0</read_rows>
        <execution_time>0</execution_time>
      </interval>
    </default>
  </quotas>
</yandex>
"#,
        admin = sha256_hex(admin_password),
        reader = sha256_hex(reader_password),
    )
}
