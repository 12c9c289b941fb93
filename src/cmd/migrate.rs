//! `faasight migrate`.

use crate::cli::DbArgs;

pub async fn run(db: DbArgs) -> anyhow::Result<()> {
    let store = super::connect(&db.clickhouse_url).await?;
    let report = super::migrate_quietly(&store).await?;
    println!(
        "migrations: {} applied ({:?}), {} already applied",
        report.applied.len(),
        report.applied,
        report.skipped.len()
    );
    Ok(())
}
