//! `faasight user`: the people (and scripts) who may read the web UI and
//! its API, kept in `<data-dir>/users.json`.

use super::InputError;
use crate::cli::{UserAddArgs, UserCommand, UserNameArgs, UserTokenArgs};
use faasight_web::auth::users::{UsersError, UsersFile};
use std::io::BufRead;
use std::path::Path;

pub fn run(command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => add(args),
        UserCommand::Token(args) => token(args),
        UserCommand::List(args) => list(&args.data_dir),
        UserCommand::Remove(args) => remove(args),
    }
}

/// Users errors the caller can fix are input errors (exit code 2).
fn input(e: UsersError) -> anyhow::Error {
    match e {
        UsersError::Invalid(m) => InputError(m).into(),
        UsersError::Corrupt { .. } => InputError(e.to_string()).into(),
        other => other.into(),
    }
}

fn add(args: UserAddArgs) -> anyhow::Result<()> {
    // The password comes from stdin so it is never in argv (visible in
    // `ps`) or in the shell's history.
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    let password = password.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        return Err(InputError(
            "no password on stdin: pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | faasight user add NAME --tenant T`"
                .into(),
        )
        .into());
    }
    let path = UsersFile::path(&args.data_dir);
    let mut file = UsersFile::load(&path).map_err(input)?;
    let existed = file.user(&args.name).is_some();
    file.set_user(&args.name, password, &args.tenants)
        .map_err(input)?;
    file.save(&path).map_err(input)?;
    eprintln!(
        "user {:?} {} with tenants {} in {}",
        args.name,
        if existed { "updated" } else { "added" },
        args.tenants.join(", "),
        path.display()
    );
    Ok(())
}

fn token(args: UserTokenArgs) -> anyhow::Result<()> {
    let path = UsersFile::path(&args.data_dir);
    let mut file = UsersFile::load(&path).map_err(input)?;
    let token = file
        .new_read_token(&args.name, &args.label, chrono::Utc::now())
        .map_err(input)?;
    file.save(&path).map_err(input)?;
    eprintln!(
        "read token for {:?} (shown once; send it as `Authorization: Bearer <token>`):",
        args.name
    );
    println!("{token}");
    Ok(())
}

fn list(data_dir: &Path) -> anyhow::Result<()> {
    let path = UsersFile::path(data_dir);
    let file = UsersFile::load(&path).map_err(input)?;
    if file.users.is_empty() {
        eprintln!("no users in {}", path.display());
    }
    for u in &file.users {
        println!(
            "{}\ttenants: {}\tread tokens: {}",
            u.name,
            u.tenants.join(","),
            u.read_tokens.len()
        );
    }
    Ok(())
}

fn remove(args: UserNameArgs) -> anyhow::Result<()> {
    let path = UsersFile::path(&args.data_dir);
    let mut file = UsersFile::load(&path).map_err(input)?;
    if !file.remove_user(&args.name) {
        return Err(InputError(format!(
            "there is no user {:?} in {}",
            args.name,
            path.display()
        ))
        .into());
    }
    file.save(&path).map_err(input)?;
    eprintln!(
        "user {:?} removed; their sessions end at their next request",
        args.name
    );
    Ok(())
}
