//! `faasight dashboards check`: validates every dashboards-as-code file,
//! the same checks the UI applies before running a panel.

use super::InputError;
use crate::cli::DashboardsCheckArgs;
use faasight_store::dashboards::{check_dir, load_dir};

pub fn check(args: DashboardsCheckArgs) -> anyhow::Result<()> {
    if !args.dir.is_dir() {
        return Err(InputError(format!("{} is not a directory", args.dir.display())).into());
    }
    let errors = check_dir(&args.dir);
    for e in &errors {
        eprintln!("{e}");
    }
    if !errors.is_empty() {
        return Err(InputError(format!(
            "{} problem(s) in {}",
            errors.len(),
            args.dir.display()
        ))
        .into());
    }
    for d in load_dir(&args.dir).into_iter().flatten() {
        println!(
            "ok   {} ({}: {} panels)",
            d.file.display(),
            d.title,
            d.panels.len()
        );
    }
    Ok(())
}
