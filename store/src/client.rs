//! A ClickHouse client configured to work with 18.16 and current servers.
//!
//! Two settings matter for 18.16 (see the project's ClickHouse notes): row
//! validation is off, because it relies on `RowBinaryWithNamesAndTypes` and a
//! setting 18.16 lacks, and the crate must be 0.15.3 or later, because older
//! versions ask for compressed SELECT results that 18.16 answers with an
//! empty body.

use crate::{Error, InvocationRow, Result};

/// Where a ClickHouse server is and how to log in:
/// `http://[user[:password]@]host[:port][/?database=NAME]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickHouseUrl {
    /// `http://host:port`, without credentials.
    pub base: String,
    /// User name (`default` when not given).
    pub user: String,
    /// Password (empty when not given).
    pub password: String,
    /// Database holding faasight's tables (`default` when not given).
    pub database: String,
}

impl ClickHouseUrl {
    /// Parses a URL of the form above; only `http` and `https` are accepted.
    pub fn parse(url: &str) -> Result<Self> {
        let invalid = |reason: &str| Error::InvalidUrl {
            url: redact_password(url),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| invalid("expected http://host:port"))?;
        if scheme != "http" && scheme != "https" {
            return Err(invalid(
                "the scheme must be http or https (the HTTP interface, port 8123 by default)",
            ));
        }
        let (authority_path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let authority = authority_path.trim_end_matches('/');
        if authority.contains('/') {
            return Err(invalid(
                "a path is not supported; give the database as ?database=NAME",
            ));
        }
        let (userinfo, host) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        if host.is_empty() {
            return Err(invalid("the host is missing"));
        }
        let (user, password) = match userinfo {
            Some(u) => match u.split_once(':') {
                Some((user, pass)) => (user.to_string(), pass.to_string()),
                None => (u.to_string(), String::new()),
            },
            None => ("default".to_string(), String::new()),
        };
        let mut database = "default".to_string();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("database", db)) if is_identifier(db) => database = db.to_string(),
                Some(("database", _)) => {
                    return Err(invalid(
                        "the database name may hold only letters, digits and '_'",
                    ))
                }
                _ => {
                    return Err(invalid(
                        "the only supported query parameter is database=NAME",
                    ))
                }
            }
        }
        Ok(ClickHouseUrl {
            base: format!("{scheme}://{host}"),
            user,
            password,
            database,
        })
    }
}

impl ClickHouseUrl {
    /// The URL with its credentials, as [`ClickHouseUrl::parse`] reads it:
    /// for handing to a child process (`--clickhouse-url`); never print it.
    pub fn with_credentials(&self) -> String {
        let (scheme, host) = self.base.split_once("://").unwrap_or(("http", &self.base));
        format!(
            "{scheme}://{}:{}@{host}/?database={}",
            self.user, self.password, self.database
        )
    }
}

impl std::fmt::Display for ClickHouseUrl {
    /// Shows the URL without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/?database={}", self.base, self.database)
    }
}

/// The URL as given, with the password (between `user:` and `@`) replaced
/// by `***`: error messages end up in logs and terminals.
fn redact_password(url: &str) -> String {
    // Everything between `user:` and the last `@` is the password, even
    // when it holds `/` or `?` (which then also broke the parse).
    let start = url.find("://").map_or(0, |i| i + 3);
    let Some(at) = url.rfind('@').filter(|&at| at >= start) else {
        return url.to_string();
    };
    match url[start..at].split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..start], &url[at..]),
        None => url.to_string(),
    }
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A handle on faasight's database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    client: clickhouse::Client,
    url: ClickHouseUrl,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("url", &self.url.to_string())
            .finish()
    }
}

impl Store {
    /// A client for `url`; nothing is sent until the first call.
    pub fn connect(url: &ClickHouseUrl) -> Store {
        Store {
            client: base_client(url).with_database(url.database.clone()),
            url: url.clone(),
        }
    }

    /// The underlying client, for the analyzer's queries.
    pub fn client(&self) -> &clickhouse::Client {
        &self.client
    }

    /// The URL this store talks to.
    pub fn url(&self) -> &ClickHouseUrl {
        &self.url
    }

    /// Checks that the server answers, and creates the database if missing.
    pub async fn ensure_database(&self) -> Result<()> {
        self.check_reachable().await?;
        if self.url.database != "default" {
            let root = base_client(&self.url);
            // The name was checked to be an identifier when the URL was parsed.
            root.query(&format!(
                "CREATE DATABASE IF NOT EXISTS {}",
                self.url.database
            ))
            .execute()
            .await
            .map_err(|e| Error::query("create database", e))?;
        }
        Ok(())
    }

    /// Checks that the server answers (and takes the credentials), without
    /// creating anything: all a read-only user may do.
    pub async fn check_reachable(&self) -> Result<()> {
        base_client(&self.url)
            .query("SELECT 1")
            .fetch_one::<u8>()
            .await
            .map_err(|e| Error::Unreachable {
                url: self.url.base.clone(),
                reason: e.to_string(),
            })?;
        Ok(())
    }

    /// Runs one statement that returns no rows.
    pub async fn execute(&self, sql: &str) -> Result<()> {
        self.client
            .query(sql)
            .execute()
            .await
            .map_err(|e| Error::query(format!("statement `{}`", first_line(sql)), e))
    }

    /// Inserts rows into `table` in one INSERT (one part on the server, so
    /// callers should batch: thousands of rows per call, not one). An
    /// INSERT of up to a million rows is applied entirely or not at all.
    pub async fn insert_rows<T>(&self, table: &str, rows: &[T]) -> Result<()>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        self.insert_rows_as(table, rows, None).await
    }

    /// [`Store::insert_rows`] under a `query_id` of the caller's choosing:
    /// while a query with that id runs, the server refuses another with the
    /// same id, and `system.processes` shows whether it still runs — how
    /// the collector ties an INSERT to its batch (a client that gave up
    /// waiting does not stop the server from committing).
    pub async fn insert_rows_as<T>(
        &self,
        table: &str,
        rows: &[T],
        query_id: Option<&str>,
    ) -> Result<()>
    where
        T: clickhouse::RowOwned + clickhouse::RowWrite,
    {
        if rows.is_empty() {
            return Ok(());
        }
        let what = format!("insert into {table}");
        // Through a cluster's Distributed table (store::cluster), the INSERT
        // returns only once every shard has its rows: an acknowledged row
        // is then on a shard, not in a node's forwarding queue. A table that
        // is not Distributed ignores the setting.
        let client = self
            .client
            .clone()
            .with_setting("insert_distributed_sync", "1");
        let client = match query_id {
            Some(id) => client.with_setting("query_id", id),
            None => client,
        };
        let mut insert = client
            .insert::<T>(table)
            .await
            .map_err(|e| Error::query(what.clone(), e))?;
        for row in rows {
            insert
                .write(row)
                .await
                .map_err(|e| Error::query(what.clone(), e))?;
        }
        insert.end().await.map_err(|e| Error::query(what, e))
    }

    /// Inserts invocation rows (see [`Store::insert_rows`]).
    pub async fn insert_invocations(&self, rows: &[InvocationRow]) -> Result<()> {
        self.insert_rows("invocations", rows).await
    }

    /// Inserts function configuration snapshots (see [`Store::insert_rows`]).
    pub async fn insert_function_configs(&self, rows: &[crate::FunctionConfigRow]) -> Result<()> {
        self.insert_rows("function_inventory", rows).await
    }

    /// Inserts span rows (see [`Store::insert_rows`]).
    pub async fn insert_spans(&self, rows: &[crate::SpanRow]) -> Result<()> {
        self.insert_rows("spans", rows).await
    }

    /// Inserts Cost and Usage Report line items (see [`Store::insert_rows`]).
    pub async fn insert_cur_line_items(&self, rows: &[crate::CurLineItemRow]) -> Result<()> {
        self.insert_rows("cur_line_items", rows).await
    }

    /// Inserts log rows (see [`Store::insert_rows`]).
    pub async fn insert_logs(&self, rows: &[crate::LogRow]) -> Result<()> {
        self.insert_rows("logs", rows).await
    }
}

fn base_client(url: &ClickHouseUrl) -> clickhouse::Client {
    clickhouse::Client::default()
        .with_url(url.base.clone())
        .with_user(url.user.clone())
        .with_password(url.password.clone())
        .with_validation(false)
}

fn first_line(sql: &str) -> &str {
    sql.trim().lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::ClickHouseUrl;

    #[test]
    fn parses_credentials_and_database() {
        let u = ClickHouseUrl::parse("http://bob:s3cret@127.0.0.1:8123/?database=faas_1").unwrap();
        assert_eq!(u.base, "http://127.0.0.1:8123");
        assert_eq!((u.user.as_str(), u.password.as_str()), ("bob", "s3cret"));
        assert_eq!(u.database, "faas_1");
        assert!(!u.to_string().contains("s3cret"));
        let d = ClickHouseUrl::parse("http://localhost:8123").unwrap();
        assert_eq!(
            (d.user.as_str(), d.database.as_str()),
            ("default", "default")
        );
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "localhost:8123",
            "tcp://localhost:9000",
            "http://h/?database=a;drop",
            "http://h/db",
            "http://h/?foo=1",
            "http://",
        ] {
            assert!(
                ClickHouseUrl::parse(bad).is_err(),
                "{bad} should be refused"
            );
        }
    }

    #[test]
    fn a_refused_url_is_named_without_its_password() {
        for (bad, shown) in [
            ("http://bob:s3cret@h/?foo=1", "http://bob:***@h/?foo=1"),
            ("tcp://bob:s3cret@h:9000", "tcp://bob:***@h:9000"),
            ("http://bob:p@ss:w@rd@h/db", "http://bob:***@h/db"),
            ("http://bob:pa/ss@h", "http://bob:***@h"),
            (
                "http://bob:s3cret?x@h/?database=a;b",
                "http://bob:***@h/?database=a;b",
            ),
        ] {
            let e = ClickHouseUrl::parse(bad).unwrap_err().to_string();
            assert!(
                e.contains(shown) && !e.contains("s3cret") && !e.contains("ss:w"),
                "{e}"
            );
        }
    }
}
