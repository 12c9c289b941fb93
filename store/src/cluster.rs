//! Cluster mode: faasight's tables sharded over the nodes of a ClickHouse
//! cluster (a `<remote_servers>` entry), for fleets one server cannot hold.
//!
//! Layout, on every node, for a faasight database `DB`:
//! - `DB_local` holds the real tables, made by the ordinary migrations —
//!   the same schema as a single server, materialized views included, so a
//!   shard's rollup is fed by the rows that land on that shard;
//! - `DB` holds, for each of those tables, a `Distributed` table of the
//!   same name and columns over `DB_local` on every shard.
//!
//! The collector, `import`, the analyzer and the web UI connect to `DB` as
//! they would to a single server and need no change: inserts through a
//! `Distributed` table are routed to a shard (synchronously, see
//! [`crate::Store::insert_rows`]) and reads gather every shard. What must
//! run where the data is — the materialize pass, retention, rebuilding a
//! rollup key after a replay — runs on each node's `DB_local`
//! ([`data_stores`]).
//!
//! **Sharding key:** `cityHash64(tenant, provider, function)` for every
//! table that has those columns. One function's rows then live on one
//! shard, which is what makes the per-shard work exact: the cold-start
//! classification follows a function's invocations in time order, the
//! rollup's keys are (tenant, provider, function, hour), and the
//! materialized results are per function — none of them ever needs rows
//! from another shard. (The function's account and region are left out on
//! purpose: a replay rebuilds rollup keys by (tenant, provider, function),
//! which must lie on one shard.) Tables without a function (spans) shard by
//! trace, so a trace's spans stay together; the rest at random.
//!
//! DDL runs node by node and is idempotent: 18.16 has no `ON CLUSTER`
//! without ZooKeeper, and running the same statements on each node works
//! on current releases too.

use crate::migrations::{apply, Report, MIGRATIONS};
use crate::{ClickHouseUrl, Error, Result, Store};

/// Suffix of the database that holds a node's real tables.
pub const LOCAL_SUFFIX: &str = "_local";

/// Tables that are never read through a `Distributed` table: staging
/// copies of the materialize pass, its lock, the migrations' record.
fn node_only(table: &str) -> bool {
    table.starts_with("materialize_stage_")
        || table == "materialize_lock"
        || table == "schema_migrations"
}

/// The sharding key of a table with these columns (see the module's doc).
pub fn sharding_key(columns: &[String]) -> &'static str {
    let has = |c: &str| columns.iter().any(|x| x == c);
    if has("tenant") && has("provider") && has("function") {
        "cityHash64(tenant, provider, function)"
    } else if has("trace_id") {
        "cityHash64(trace_id)"
    } else {
        "rand()"
    }
}

/// A cluster's nodes, each as a store on its `DB_local`.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The cluster's name in `<remote_servers>`.
    pub name: String,
    /// One store per node (shard × replica), on the node's `DB_local`.
    pub nodes: Vec<Store>,
}

#[derive(Debug, clickhouse::Row, serde::Deserialize)]
struct NodeRow {
    host_address: String,
}

/// `url` with its database set to `database`.
fn on_database(url: &ClickHouseUrl, database: &str) -> ClickHouseUrl {
    ClickHouseUrl {
        database: database.to_string(),
        ..url.clone()
    }
}

/// `url` pointed at `host` (same scheme, HTTP port and credentials).
fn on_host(url: &ClickHouseUrl, host: &str) -> ClickHouseUrl {
    let (scheme, authority) = url.base.split_once("://").unwrap_or(("http", &url.base));
    let port = authority.rsplit_once(':').map(|(_, p)| p);
    let host = if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_string()
    };
    ClickHouseUrl {
        base: match port {
            Some(p) => format!("{scheme}://{host}:{p}"),
            None => format!("{scheme}://{host}"),
        },
        ..url.clone()
    }
}

impl Cluster {
    /// The nodes of cluster `name` as `store`'s server lists them
    /// (`system.clusters`). Their HTTP addresses are `node_urls` when
    /// given — one per node, in any order — and otherwise each node's host
    /// with `store`'s scheme, HTTP port and credentials (nodes that all
    /// listen on the same port, as in production).
    pub async fn discover(
        store: &Store,
        name: &str,
        node_urls: &[ClickHouseUrl],
    ) -> Result<Cluster> {
        let nodes: Vec<NodeRow> = store
            .client()
            .query(
                "SELECT host_address FROM system.clusters WHERE cluster = ? \
                 ORDER BY shard_num, replica_num",
            )
            .bind(name)
            .fetch_all()
            .await
            .map_err(|e| Error::query("read system.clusters", e))?;
        if nodes.is_empty() {
            return Err(Error::Cluster(format!(
                "the server at {} knows no cluster named {name:?}: add it to <remote_servers> \
                 in the configuration of every node",
                store.url().base
            )));
        }
        let local = format!("{}{LOCAL_SUFFIX}", store.url().database);
        let urls: Vec<ClickHouseUrl> = if node_urls.is_empty() {
            nodes
                .iter()
                .map(|n| on_host(store.url(), &n.host_address))
                .collect()
        } else if node_urls.len() == nodes.len() {
            node_urls.to_vec()
        } else {
            return Err(Error::Cluster(format!(
                "cluster {name:?} has {} nodes (shards × replicas) but {} node URLs were given",
                nodes.len(),
                node_urls.len()
            )));
        };
        Ok(Cluster {
            name: name.to_string(),
            nodes: urls
                .iter()
                .map(|u| Store::connect(&on_database(u, &local)))
                .collect(),
        })
    }

    /// The cluster `store`'s database is spread over — `None` when its
    /// `invocations` table is not `Distributed` (a single server).
    pub async fn of(store: &Store, node_urls: &[ClickHouseUrl]) -> Result<Option<Cluster>> {
        let name = distributed_over(store).await?;
        match name {
            Some(name) => Ok(Some(Cluster::discover(store, &name, node_urls).await?)),
            None => Ok(None),
        }
    }
}

/// The cluster named by the engine of `store`'s `invocations` table, when
/// it is `Distributed('cluster', …)`.
///
/// `EXISTS` and `SHOW CREATE` rather than `system.tables`: 18.16 fails a
/// query on `system.tables` when another table of the database is dropped
/// while it runs (the materialize pass drops its staging tables), and every
/// process asks this at its start.
pub(crate) async fn distributed_over(store: &Store) -> Result<Option<String>> {
    let exists: u8 = store
        .client()
        .query("EXISTS TABLE invocations")
        .fetch_one()
        .await
        .map_err(|e| Error::query("look for the invocations table", e))?;
    if exists == 0 {
        return Ok(None);
    }
    let create: String = store
        .client()
        .query("SHOW CREATE TABLE invocations")
        .fetch_one()
        .await
        .map_err(|e| Error::query("show the invocations table", e))?;
    Ok(engine_clause(&create)
        .filter(|e| e.starts_with("Distributed("))
        .map(cluster_of_engine))
}

/// The engine of a `CREATE TABLE` statement: what follows `ENGINE =`.
fn engine_clause(create: &str) -> Option<&str> {
    let at = create.rfind("ENGINE = ")?;
    Some(create[at + "ENGINE = ".len()..].trim_start())
}

/// The first argument of `Distributed(…)`, unquoted.
fn cluster_of_engine(engine: &str) -> String {
    let args = engine
        .split_once('(')
        .map_or("", |(_, a)| a.trim_end_matches(')'));
    args.split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .trim_matches(|c| c == '\'' || c == '`' || c == '"')
        .to_string()
}

/// The stores that hold `store`'s data: each node's `DB_local` in cluster
/// mode, else `store` itself. `node_urls` as for [`Cluster::discover`].
pub async fn data_stores(store: &Store, node_urls: &[ClickHouseUrl]) -> Result<Vec<Store>> {
    Ok(match Cluster::of(store, node_urls).await? {
        Some(c) => c.nodes,
        None => vec![store.clone()],
    })
}

/// What [`migrate`] did on one node.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeReport {
    /// The node, as `host:port/?database=DB_local`.
    pub node: String,
    /// The migrations of `DB_local`.
    pub migrations: Report,
    /// `Distributed` tables created (or re-created for a changed schema).
    pub distributed_created: Vec<String>,
}

#[derive(Debug, clickhouse::Row, serde::Deserialize)]
struct ColumnRow {
    table: String,
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

/// The columns (name and type, in order) of every table of `database`.
async fn columns(store: &Store, database: &str) -> Result<Vec<(String, Vec<(String, String)>)>> {
    let rows: Vec<ColumnRow> = store
        .client()
        .query("SELECT table, name, type FROM system.columns WHERE database = ?")
        .bind(database)
        .fetch_all()
        .await
        .map_err(|e| Error::query("read system.columns", e))?;
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some((t, cols)) if *t == r.table => cols.push((r.name, r.kind)),
            _ => out.push((r.table, vec![(r.name, r.kind)])),
        }
    }
    Ok(out)
}

/// Creates, on every node of `cluster`, the ordinary schema in `DB_local`
/// and a `Distributed` table in `DB` over each of its tables; records the
/// migrations in `DB` too, so that a process that migrates on start finds
/// nothing to do there. Idempotent; a `Distributed` table whose columns
/// no longer match its local table (a later migration) is made again —
/// it holds no data, inserts through it being synchronous.
pub async fn migrate(store: &Store, cluster: &Cluster) -> Result<Vec<NodeReport>> {
    let database = store.url().database.clone();
    let local = format!("{database}{LOCAL_SUFFIX}");
    let mut reports = Vec::new();
    for node in &cluster.nodes {
        let migrations = apply(node, MIGRATIONS).await?;
        let front = Store::connect(&on_database(node.url(), &database));
        front.ensure_database().await?;
        let existing = columns(&front, &database).await?;
        let views = views(node, &local).await?;
        let mut created = Vec::new();
        for (table, cols) in columns(node, &local).await? {
            if node_only(&table) || views.contains(&table) {
                continue;
            }
            match existing.iter().find(|(t, _)| *t == table) {
                Some((_, have)) if *have == cols => continue,
                Some(_) => {
                    front
                        .execute(&format!("DROP TABLE IF EXISTS {database}.{table}"))
                        .await?
                }
                None => {}
            }
            let names: Vec<String> = cols.iter().map(|(n, _)| n.clone()).collect();
            front
                .execute(&format!(
                    "CREATE TABLE IF NOT EXISTS {database}.{table} AS {local}.{table} \
                     ENGINE = Distributed('{}', '{local}', '{table}', {})",
                    cluster.name,
                    sharding_key(&names)
                ))
                .await?;
            created.push(table);
        }
        // The record of what `DB_local` has, so that `apply` on `DB` (every
        // process runs it on start) finds every migration done.
        front
            .execute(crate::migrations::CREATE_SCHEMA_MIGRATIONS)
            .await?;
        front
            .execute(&format!(
                "INSERT INTO {database}.schema_migrations \
                 SELECT * FROM {local}.schema_migrations \
                 WHERE version NOT IN (SELECT version FROM {database}.schema_migrations)"
            ))
            .await?;
        reports.push(NodeReport {
            node: node.url().to_string(),
            migrations,
            distributed_created: created,
        });
    }
    Ok(reports)
}

/// The views of `database` (their rows live in the tables they write to).
async fn views(store: &Store, database: &str) -> Result<Vec<String>> {
    store
        .client()
        .query("SELECT name FROM system.tables WHERE database = ? AND engine LIKE '%View'")
        .bind(database)
        .fetch_all()
        .await
        .map_err(|e| Error::query("read system.tables", e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_function_one_shard() {
        let cols = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            sharding_key(&cols(&["tenant", "provider", "account", "function", "x"])),
            "cityHash64(tenant, provider, function)"
        );
        assert_eq!(
            sharding_key(&cols(&["tenant", "trace_id", "span_id"])),
            "cityHash64(trace_id)"
        );
        assert_eq!(sharding_key(&cols(&["tenant", "account"])), "rand()");
    }

    #[test]
    fn reads_the_cluster_of_a_distributed_engine() {
        assert_eq!(
            cluster_of_engine("Distributed('faas', 'db_local', 'invocations', cityHash64(tenant))"),
            "faas"
        );
        assert_eq!(
            cluster_of_engine("Distributed(faas, db_local, t, rand())"),
            "faas"
        );
    }

    /// `SHOW CREATE TABLE` as 18.16 (one line) and 24.x (one clause per
    /// line) print it.
    #[test]
    fn finds_the_engine_clause_of_a_create_statement() {
        let old = "CREATE TABLE fs.invocations ( tenant String,  function String) ENGINE = Distributed(faas, 'fs_local', 'invocations', cityHash64(tenant, provider, function))";
        assert_eq!(
            engine_clause(old).map(cluster_of_engine).as_deref(),
            Some("faas")
        );
        let new = "CREATE TABLE fs.invocations\n(\n    `tenant` String\n)\nENGINE = MergeTree\nPARTITION BY toDate(start_time)\nORDER BY tenant";
        assert!(engine_clause(new).is_some_and(|e| e.starts_with("MergeTree")));
        assert_eq!(engine_clause("CREATE VIEW v AS SELECT 1"), None);
    }

    #[test]
    fn node_urls_keep_port_and_credentials() {
        let u = ClickHouseUrl::parse("http://w:pw@10.0.0.1:8123/?database=fs").unwrap();
        let n = on_database(&on_host(&u, "10.0.0.2"), "fs_local");
        assert_eq!(n.base, "http://10.0.0.2:8123");
        assert_eq!((n.user.as_str(), n.password.as_str()), ("w", "pw"));
        assert_eq!(n.database, "fs_local");
        assert_eq!(on_host(&u, "::1").base, "http://[::1]:8123");
    }
}
