//! The users file: who may sign in, with which password (an argon2id
//! hash), to which tenants, and the read tokens that let scripts call the
//! API as that user.
//!
//! It is a JSON document under the data directory (`users.json`, mode
//! 0600), written whole to a temporary file and renamed, so a reader never
//! sees half of it. The server re-reads it when its modification time
//! changes: `faasight user add` takes effect without a restart, and
//! removing a tenant from a user takes effect on their next request.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// File name of the users file inside the data directory.
pub const USERS_FILE: &str = "users.json";

/// Prefix of every read token, so a leaked one is recognisable (secret
/// scanners, logs).
pub const TOKEN_PREFIX: &str = "fst_";

/// Why the users file could not be used or changed.
#[derive(Debug, thiserror::Error)]
pub enum UsersError {
    /// Reading or writing the file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a users file.
    #[error("{path} is not a valid users file: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the line.
        reason: String,
    },
    /// The request does not make sense (unknown user, bad name, …).
    #[error("{0}")]
    Invalid(String),
}

/// The whole file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsersFile {
    /// Everyone who may sign in.
    pub users: Vec<User>,
}

/// One person (or robot) and what they may read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    /// Login name.
    pub name: String,
    /// PHC string of the argon2id hash of the password.
    pub password: String,
    /// Tenants whose data this user may read; the first is shown by default.
    pub tenants: Vec<String>,
    /// API read tokens, stored as their SHA-256 (a token is 32 random
    /// bytes, so a fast hash is enough: there is nothing to brute-force).
    #[serde(default)]
    pub read_tokens: Vec<ReadToken>,
}

/// A read token's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadToken {
    /// Hex SHA-256 of the token.
    pub sha256: String,
    /// What it is for, as given when it was made.
    pub label: String,
    /// When it was made, RFC 3339.
    pub created: String,
}

/// Whether `name` is acceptable as a user name: 1–64 characters of
/// letters, digits, `.`, `_`, `-` and `@` (it is shown in pages and logs).
fn check_name(name: &str) -> Result<(), UsersError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    if ok {
        Ok(())
    } else {
        Err(UsersError::Invalid(format!(
            "user name {name:?} is not allowed: use 1 to 64 letters, digits, '.', '_', '-' or '@'"
        )))
    }
}

/// 32 random bytes from the operating system.
pub(crate) fn random_bytes() -> [u8; 32] {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random number generator failed");
    bytes
}

/// A fresh random password (96 bits, as 24 hex digits), for the demo user.
pub fn random_password() -> String {
    hex::encode(&random_bytes()[..12])
}

/// Hex SHA-256 of `text`.
pub(crate) fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The argon2id hash of `password` as a PHC string (argon2 crate's
/// defaults: m = 19 MiB, t = 2, p = 1, OWASP's recommended minimum).
pub fn hash_password(password: &str) -> String {
    let salt = random_bytes();
    let salt = SaltString::encode_b64(&salt[..16]).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters accepts any password")
        .to_string()
}

/// A hash no password matches, checked when the user name is unknown so
/// that a wrong name takes as long as a wrong password.
static DECOY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_password("decoy: no one signs in with this"));

impl UsersFile {
    /// The file under `data_dir`.
    pub fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(USERS_FILE)
    }

    /// Reads the file; a missing file is an empty one.
    pub fn load(path: &Path) -> Result<UsersFile, UsersError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(UsersFile::default()),
            Err(source) => {
                return Err(UsersError::Io {
                    path: path.into(),
                    source,
                })
            }
        };
        let file: UsersFile = serde_json::from_str(&text).map_err(|e| UsersError::Corrupt {
            path: path.into(),
            reason: e.to_string(),
        })?;
        for u in &file.users {
            if PasswordHash::new(&u.password).is_err() {
                return Err(UsersError::Corrupt {
                    path: path.into(),
                    reason: format!("user {:?} has a password that is not a PHC hash", u.name),
                });
            }
        }
        Ok(file)
    }

    /// Writes the file atomically, readable by its owner only.
    pub fn save(&self, path: &Path) -> Result<(), UsersError> {
        let io = |source| UsersError::Io {
            path: path.into(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let tmp = path.with_extension("json.tmp");
        let text = serde_json::to_string_pretty(self).expect("the users file serializes");
        {
            use std::io::Write;
            #[cfg(unix)]
            use std::os::unix::fs::OpenOptionsExt;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            options.mode(0o600);
            let mut f = options.open(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)
    }

    /// The user called `name`.
    pub fn user(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    /// Adds `name` with `password` and `tenants`, or replaces the password
    /// and tenants of an existing user (their read tokens stay).
    pub fn set_user(
        &mut self,
        name: &str,
        password: &str,
        tenants: &[String],
    ) -> Result<(), UsersError> {
        check_name(name)?;
        if password.chars().count() < 8 {
            return Err(UsersError::Invalid(
                "the password is shorter than 8 characters".into(),
            ));
        }
        if tenants.is_empty() {
            return Err(UsersError::Invalid(format!(
                "user {name:?} needs at least one --tenant"
            )));
        }
        if let Some(t) = tenants
            .iter()
            .find(|t| t.is_empty() || t.len() > 128 || t.chars().any(char::is_control))
        {
            return Err(UsersError::Invalid(format!(
                "tenant {t:?} is not allowed: use 1 to 128 printable characters"
            )));
        }
        let password = hash_password(password);
        let mut deduped: Vec<String> = Vec::new();
        for t in tenants {
            if !deduped.contains(t) {
                deduped.push(t.clone());
            }
        }
        match self.users.iter_mut().find(|u| u.name == name) {
            Some(u) => {
                u.password = password;
                u.tenants = deduped;
            }
            None => self.users.push(User {
                name: name.into(),
                password,
                tenants: deduped,
                read_tokens: Vec::new(),
            }),
        }
        Ok(())
    }

    /// Removes `name`; false when there was no such user.
    pub fn remove_user(&mut self, name: &str) -> bool {
        let before = self.users.len();
        self.users.retain(|u| u.name != name);
        self.users.len() != before
    }

    /// Makes a read token for `name` and returns it: it is shown once and
    /// only its hash is kept.
    pub fn new_read_token(
        &mut self,
        name: &str,
        label: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, UsersError> {
        let user = self
            .users
            .iter_mut()
            .find(|u| u.name == name)
            .ok_or_else(|| UsersError::Invalid(format!("there is no user {name:?}")))?;
        let token = format!("{TOKEN_PREFIX}{}", hex::encode(random_bytes()));
        user.read_tokens.push(ReadToken {
            sha256: sha256_hex(&token),
            label: label.into(),
            created: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        });
        Ok(token)
    }

    /// The user a read token belongs to.
    pub fn token_user(&self, token: &str) -> Option<&User> {
        if !token.starts_with(TOKEN_PREFIX) {
            return None;
        }
        let digest = sha256_hex(token);
        self.users
            .iter()
            .find(|u| u.read_tokens.iter().any(|t| t.sha256 == digest))
    }

    /// The user `name` if `password` is theirs. Takes as long for an
    /// unknown name as for a wrong password (tens of milliseconds: run it
    /// off the async threads).
    pub fn check_password(&self, name: &str, password: &str) -> Option<&User> {
        let user = self.user(name);
        let hash = user.map_or(DECOY_HASH.as_str(), |u| u.password.as_str());
        let parsed = PasswordHash::new(hash).ok()?;
        let matches = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        user.filter(|_| matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_stored_as_argon2id_and_checked() {
        let mut file = UsersFile::default();
        file.set_user(
            "ana",
            "correct horse",
            &["t1".into(), "t2".into(), "t1".into()],
        )
        .unwrap();
        let stored = &file.users[0];
        assert!(
            stored.password.starts_with("$argon2id$v=19$"),
            "{}",
            stored.password
        );
        assert!(!stored.password.contains("correct horse"));
        assert_eq!(stored.tenants, ["t1", "t2"]);
        assert_eq!(
            file.check_password("ana", "correct horse").unwrap().name,
            "ana"
        );
        assert!(file.check_password("ana", "correct horsf").is_none());
        assert!(file.check_password("bob", "correct horse").is_none());
    }

    #[test]
    fn bad_users_are_refused_with_a_reason() {
        let mut file = UsersFile::default();
        let e = |r: Result<(), UsersError>| r.unwrap_err().to_string();
        assert!(e(file.set_user("a b", "long enough", &["t".into()])).contains("not allowed"));
        assert!(e(file.set_user("ana", "short", &["t".into()])).contains("shorter than 8"));
        assert!(e(file.set_user("ana", "long enough", &[])).contains("--tenant"));
        assert!(e(file.set_user("ana", "long enough", &["".into()])).contains("tenant"));
    }

    #[test]
    fn read_tokens_are_kept_as_hashes_and_find_their_user() {
        let mut file = UsersFile::default();
        file.set_user("ana", "long enough", &["t".into()]).unwrap();
        let now = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let token = file.new_read_token("ana", "ci", now).unwrap();
        assert!(
            token.starts_with("fst_") && token.len() == 4 + 64,
            "{token}"
        );
        let json = serde_json::to_string(&file).unwrap();
        assert!(
            !json.contains(&token[4..]),
            "the token itself is not stored"
        );
        assert_eq!(file.token_user(&token).unwrap().name, "ana");
        let mut other = token.clone();
        other.replace_range(10..11, if &token[10..11] == "0" { "1" } else { "0" });
        assert!(file.token_user(&other).is_none());
        assert!(file.new_read_token("bob", "ci", now).is_err());
    }

    #[test]
    fn the_file_round_trips_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = UsersFile::path(dir.path());
        assert_eq!(UsersFile::load(&path).unwrap(), UsersFile::default());
        let mut file = UsersFile::default();
        file.set_user("ana", "long enough", &["t".into()]).unwrap();
        file.save(&path).unwrap();
        assert_eq!(UsersFile::load(&path).unwrap(), file);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "{\"users\": [{\"name\": \"x\"}]}").unwrap();
        let e = UsersFile::load(&path).unwrap_err().to_string();
        assert!(
            e.contains("users.json") && e.contains("missing field"),
            "{e}"
        );
    }
}
