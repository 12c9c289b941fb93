//! `faasight migrate`, on one server or on every node of a cluster.

use crate::cli::MigrateArgs;
use faasight_store::cluster::{migrate, Cluster};

pub async fn run(args: MigrateArgs) -> anyhow::Result<()> {
    let store = super::connect_db(&args.db).await?;
    let Some(name) = args.cluster else {
        let report = super::migrate_quietly(&store).await?;
        println!(
            "migrations: {} applied ({:?}), {} already applied",
            report.applied.len(),
            report.applied,
            report.skipped.len()
        );
        return Ok(());
    };
    let cluster = Cluster::discover(&store, &name, &super::cluster_nodes())
        .await
        .map_err(|e| crate::cmd::InputError(e.to_string()))?;
    for node in migrate(&store, &cluster).await? {
        println!(
            "migrations on {}: {} applied ({:?}), {} already applied; Distributed tables made: {}",
            node.node,
            node.migrations.applied.len(),
            node.migrations.applied,
            node.migrations.skipped.len(),
            if node.distributed_created.is_empty() {
                "none".to_string()
            } else {
                node.distributed_created.join(", ")
            }
        );
    }
    Ok(())
}
