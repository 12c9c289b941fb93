//! Who is asking, and what they may read.
//!
//! Every request but the sign-in page, the health check and the static
//! bundle passes [`authenticate`]: a browser is known by its session cookie
//! ([`sessions`]), a script by `Authorization: Bearer <read token>`
//! ([`users`]). Without either, pages redirect to `/login` and the API
//! answers 401. The [`Principal`] found is put in the request's extensions;
//! handlers turn the tenant a request names into an [`AuthorisedTenant`]
//! through it (403 when the user lacks that tenant), and only an
//! `AuthorisedTenant` reaches the analyzer.
//!
//! State-changing requests of a browser session carry the session's CSRF
//! token (the `x-csrf-token` header, or the form field of the sign-out
//! form); the cookie is `SameSite=Strict` as well.

mod login;
pub mod sessions;
pub mod users;

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
pub use login::routes as login_routes;
use sessions::Sessions;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::{Instant, SystemTime};
use users::{UsersError, UsersFile};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "faasight_session";

/// The signed-in user (or the owner of a read token).
#[derive(Debug, Clone)]
pub struct Principal {
    /// User name.
    pub user: String,
    /// Tenants they may read, the default first.
    pub tenants: Vec<String>,
    /// The session's CSRF token; `None` for a read token.
    pub csrf: Option<String>,
    /// The session id, to end it on sign-out; `None` for a read token.
    session_id: Option<String>,
}

/// A tenant the request's user may read. Only [`Principal::authorise`]
/// makes one, so a function taking it cannot be handed a name straight
/// from a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisedTenant(String);

impl AuthorisedTenant {
    /// The tenant's name, for the query.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The user may not read the tenant a request named.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("user {user:?} may not read tenant {tenant:?}")]
pub struct Forbidden {
    /// Who asked.
    pub user: String,
    /// What they asked for.
    pub tenant: String,
}

impl Principal {
    /// `requested`, or the user's first tenant when the request names
    /// none, if the user may read it.
    pub fn authorise(&self, requested: Option<&str>) -> Result<AuthorisedTenant, Forbidden> {
        let tenant = match requested {
            Some(t) => t,
            None => self.tenants.first().map(String::as_str).unwrap_or(""),
        };
        if self.tenants.iter().any(|t| t == tenant) {
            Ok(AuthorisedTenant(tenant.to_string()))
        } else {
            Err(Forbidden {
                user: self.user.clone(),
                tenant: tenant.to_string(),
            })
        }
    }
}

/// The users file as last read, with what identified that version.
#[derive(Debug)]
struct Loaded {
    stamp: Option<(SystemTime, u64)>,
    file: Arc<UsersFile>,
}

/// Shared state of authentication.
#[derive(Debug, Clone)]
pub struct Auth {
    inner: Arc<AuthInner>,
}

#[derive(Debug)]
struct AuthInner {
    users_path: PathBuf,
    users: RwLock<Loaded>,
    sessions: Sessions,
    /// Password checks running at once: each costs ~20 MiB and tens of
    /// milliseconds, so they are the cheapest way to load the server.
    password_checks: tokio::sync::Semaphore,
    failures: login::Failures,
}

/// Password checks allowed to run at once; more sign-ins get 429.
const PARALLEL_PASSWORD_CHECKS: usize = 4;

impl Auth {
    /// Authentication against the users file at `users_path`.
    pub fn new(users_path: PathBuf) -> Result<Auth, UsersError> {
        let file = UsersFile::load(&users_path)?;
        Ok(Auth {
            inner: Arc::new(AuthInner {
                users: RwLock::new(Loaded {
                    stamp: stamp(&users_path),
                    file: Arc::new(file),
                }),
                users_path,
                sessions: Sessions::default(),
                password_checks: tokio::sync::Semaphore::new(PARALLEL_PASSWORD_CHECKS),
                failures: login::Failures::default(),
            }),
        })
    }

    /// The users file, re-read when it changed on disk. A file that no
    /// longer parses leaves the last good version in force (and is logged).
    pub fn users(&self) -> Arc<UsersFile> {
        let now = stamp(&self.inner.users_path);
        {
            let loaded = self.inner.users.read().unwrap_or_else(|e| e.into_inner());
            if loaded.stamp == now {
                return loaded.file.clone();
            }
        }
        let mut loaded = self.inner.users.write().unwrap_or_else(|e| e.into_inner());
        if loaded.stamp != now {
            match UsersFile::load(&self.inner.users_path) {
                Ok(file) => loaded.file = Arc::new(file),
                Err(e) => tracing::error!(error = %e, "Keeping the previous users file."),
            }
            loaded.stamp = now;
        }
        loaded.file.clone()
    }

    /// Sessions of signed-in browsers.
    pub fn sessions(&self) -> &Sessions {
        &self.inner.sessions
    }

    /// Who `request` comes from, if anyone.
    fn principal(&self, request: &Request) -> Result<Option<Principal>, &'static str> {
        let users = self.users();
        if let Some(auth) = request.headers().get(header::AUTHORIZATION) {
            let token = auth
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .ok_or("the Authorization header is not `Bearer <read token>`")?;
            let user = users
                .token_user(token.trim())
                .ok_or("the bearer token is not a valid read token")?;
            return Ok(Some(Principal {
                user: user.name.clone(),
                tenants: user.tenants.clone(),
                csrf: None,
                session_id: None,
            }));
        }
        let Some(id) = cookie(request, SESSION_COOKIE) else {
            return Ok(None);
        };
        let Some(session) = self.inner.sessions.get(&id, Instant::now()) else {
            return Ok(None);
        };
        // The user may have been removed, or their tenants changed, since
        // they signed in: the file decides on every request.
        Ok(users.user(&session.user).map(|user| Principal {
            user: user.name.clone(),
            tenants: user.tenants.clone(),
            csrf: Some(session.csrf),
            session_id: Some(id),
        }))
    }
}

fn stamp(path: &std::path::Path) -> Option<(SystemTime, u64)> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// The value of cookie `name` in the request.
pub(crate) fn cookie(request: &Request, name: &str) -> Option<String> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Whether two secrets are equal, in time independent of where they differ.
pub(crate) fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// Paths anyone may fetch: the sign-in page, the health check and the
/// static bundle (code and styles, no data).
fn is_public(path: &str) -> bool {
    path == "/login" || path == "/healthz" || path == "/favicon.ico" || path.starts_with("/pkg/")
}

/// Whether the request is for the API or a server function (answered with
/// 401) rather than a page (redirected to the sign-in page).
fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

/// A refusal in the form the caller reads: JSON for the API, text otherwise.
fn refuse(path: &str, status: StatusCode, message: &str) -> Response {
    let mut response = if is_api(path) {
        (status, axum::Json(serde_json::json!({ "error": message }))).into_response()
    } else {
        (status, format!("{message}\n")).into_response()
    };
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"faasight\""),
        );
    }
    response
}

/// The middleware: finds the [`Principal`], refuses anonymous requests and
/// state-changing requests without the session's CSRF token.
pub async fn authenticate(State(auth): State<Auth>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if is_public(&path) {
        return next.run(request).await;
    }
    let principal = match auth.principal(&request) {
        Ok(p) => p,
        Err(why) => return refuse(&path, StatusCode::UNAUTHORIZED, why),
    };
    let Some(principal) = principal else {
        if is_api(&path) {
            return refuse(
                &path,
                StatusCode::UNAUTHORIZED,
                "sign in, or send `Authorization: Bearer <read token>` (make one with `faasight user token NAME`)",
            );
        }
        let target = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        return login::redirect_to_login(&target);
    };
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // The sign-out form carries its token in the body; its handler checks it.
    if !safe && path != "/logout" {
        if let Some(expected) = &principal.csrf {
            let sent = request
                .headers()
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            if !same_secret(sent, expected) {
                return refuse(
                    &path,
                    StatusCode::FORBIDDEN,
                    "this request changes state and lacks the session's CSRF token (x-csrf-token)",
                );
            }
        }
    }
    request.extensions_mut().insert(principal);
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(tenants: &[&str]) -> Principal {
        Principal {
            user: "ana".into(),
            tenants: tenants.iter().map(|t| t.to_string()).collect(),
            csrf: None,
            session_id: None,
        }
    }

    #[test]
    fn only_the_users_tenants_are_authorised() {
        let p = principal(&["acme", "beta"]);
        assert_eq!(p.authorise(None).unwrap().as_str(), "acme");
        assert_eq!(p.authorise(Some("beta")).unwrap().as_str(), "beta");
        let e = p.authorise(Some("gamma")).unwrap_err();
        assert_eq!(e.to_string(), "user \"ana\" may not read tenant \"gamma\"");
        assert!(principal(&[]).authorise(None).is_err());
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "ab"));
        assert!(!same_secret("", "a"));
    }
}
