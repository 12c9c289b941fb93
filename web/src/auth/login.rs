//! `/login` and `/logout`: plain HTML forms served by axum (no WebAssembly
//! needed to sign in).
//!
//! The sign-in form is protected against login CSRF by a double-submit
//! token: a random value both in a `SameSite=Strict` cookie scoped to
//! `/login` and in a hidden field; another site can set neither.

use super::{cookie, same_secret, Auth, Principal, SESSION_COOKIE};
use crate::auth::users::random_bytes;
use axum::extract::{FromRequest, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const LOGIN_CSRF_COOKIE: &str = "faasight_login_csrf";
/// Failed sign-ins for one name within [`FAILURE_WINDOW`] before that name
/// is refused until the window ends.
const MAX_FAILURES: u32 = 10;
const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Names whose failures are remembered at once.
const MAX_FAILING_NAMES: usize = 10_000;

/// Failed sign-ins by user name, to slow down password guessing.
#[derive(Debug, Default)]
pub(super) struct Failures(Mutex<HashMap<String, (u32, Instant)>>);

impl Failures {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u32, Instant)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Time left before `name` may try again, when it has failed too often.
    fn locked_for(&self, name: &str, now: Instant) -> Option<Duration> {
        let map = self.map();
        let (count, since) = map.get(name)?;
        let end = *since + FAILURE_WINDOW;
        (*count >= MAX_FAILURES && end > now).then(|| end - now)
    }

    fn failed(&self, name: &str, now: Instant) {
        let mut map = self.map();
        if map.len() >= MAX_FAILING_NAMES && !map.contains_key(name) {
            map.retain(|_, (_, since)| *since + FAILURE_WINDOW > now);
            if map.len() >= MAX_FAILING_NAMES {
                map.clear();
            }
        }
        let entry = map.entry(name.to_string()).or_insert((0, now));
        if entry.1 + FAILURE_WINDOW <= now {
            *entry = (0, now);
        }
        entry.0 += 1;
    }

    fn succeeded(&self, name: &str) {
        self.map().remove(name);
    }
}

/// The sign-in and sign-out routes.
pub fn routes(auth: Auth) -> Router {
    Router::new()
        .route("/login", get(login_page).post(login))
        .route("/logout", post(logout))
        .with_state(auth)
}

/// 303 to the sign-in page, which comes back to `target` afterwards.
pub(super) fn redirect_to_login(target: &str) -> Response {
    see_other(&format!(
        "/login?next={}",
        crate::format::url_component(target)
    ))
}

fn see_other(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// Where to go after signing in: a path on this server only (never
/// `//host` or a full URL, which would make the form an open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.into(),
        _ => "/".into(),
    }
}

/// Whether cookies should be `Secure`: when a TLS-terminating proxy in
/// front says the browser used HTTPS.
fn over_tls(headers: &HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

fn set_cookie(response: &mut Response, cookie: String) {
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[derive(Debug, Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// The form, with a fresh login CSRF token in a cookie and a hidden field.
fn form(status: StatusCode, next: &str, message: Option<&str>, tls: bool) -> Response {
    let token = hex::encode(random_bytes());
    let message = message
        .map(|m| {
            format!(
                r#"<p class="error" id="login-error" role="alert">{}</p>"#,
                escape(m)
            )
        })
        .unwrap_or_default();
    let page = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/><title>Sign in · faasight</title>
<style>{style}</style></head><body><header><a href="/">faasight</a><span>serverless observability and cost</span></header>
<main class="login"><h1>Sign in</h1>{message}
<form method="post" action="/login" id="login-form">
<label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus/>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required/>
<input type="hidden" name="csrf" value="{token}"/><input type="hidden" name="next" value="{next}"/>
<button type="submit" id="sign-in">Sign in</button></form>
<p class="note">Accounts are made with <code>faasight user add NAME --tenant TENANT</code>; <code>faasight up --demo</code> prints a demo login.</p>
</main></body></html>"#,
        style = crate::app::STYLE,
        next = escape(next),
    );
    let mut response = (status, Html(page)).into_response();
    let secure = if tls { "; Secure" } else { "" };
    set_cookie(
        &mut response,
        format!("{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict{secure}"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn login_page(Query(q): Query<LoginQuery>, headers: HeaderMap) -> Response {
    form(
        StatusCode::OK,
        &safe_next(q.next.as_deref()),
        None,
        over_tls(&headers),
    )
}

#[derive(Debug, Deserialize)]
struct LoginForm {
    user: String,
    password: String,
    csrf: String,
    next: Option<String>,
}

async fn login(State(auth): State<Auth>, request: Request) -> Response {
    let tls = over_tls(request.headers());
    let expected = cookie(&request, LOGIN_CSRF_COOKIE).unwrap_or_default();
    let Ok(Form(f)) = Form::<LoginForm>::from_request(request, &()).await else {
        return form(
            StatusCode::BAD_REQUEST,
            "/",
            Some("The form needs the fields user, password and csrf."),
            tls,
        );
    };
    let next = safe_next(f.next.as_deref());
    if expected.is_empty() || !same_secret(&f.csrf, &expected) {
        return form(
            StatusCode::FORBIDDEN,
            &next,
            Some(
                "The form expired or came from another site (CSRF token mismatch); sign in again.",
            ),
            tls,
        );
    }
    let now = Instant::now();
    if let Some(left) = auth.inner.failures.locked_for(&f.user, now) {
        let mut r = form(
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some(&format!(
                "Too many failed sign-ins for this user; try again in {} minutes.",
                left.as_secs().div_ceil(60)
            )),
            tls,
        );
        r.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(left.as_secs().max(1)),
        );
        return r;
    }
    let Ok(_permit) = auth.inner.password_checks.try_acquire() else {
        let mut r = form(
            StatusCode::TOO_MANY_REQUESTS,
            &next,
            Some("The server is checking too many sign-ins at once; try again in a second."),
            tls,
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return r;
    };
    let users = auth.users();
    let (name, password) = (f.user.clone(), f.password);
    let user = tokio::task::spawn_blocking(move || {
        users
            .check_password(&name, &password)
            .map(|u| u.name.clone())
    })
    .await
    .ok()
    .flatten();
    let Some(user) = user else {
        auth.inner.failures.failed(&f.user, now);
        return form(
            StatusCode::UNAUTHORIZED,
            &next,
            Some("Wrong user or password."),
            tls,
        );
    };
    auth.inner.failures.succeeded(&user);
    let id = auth.sessions().create(&user, Instant::now());
    let mut response = see_other(&next);
    let secure = if tls { "; Secure" } else { "" };
    set_cookie(
        &mut response,
        format!(
            "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            super::sessions::SESSION_LIFETIME.as_secs()
        ),
    );
    set_cookie(
        &mut response,
        format!("{LOGIN_CSRF_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[derive(Debug, Deserialize)]
struct LogoutForm {
    csrf: String,
}

async fn logout(
    State(auth): State<Auth>,
    Extension(principal): Extension<Principal>,
    Form(f): Form<LogoutForm>,
) -> Response {
    let (Some(expected), Some(id)) = (&principal.csrf, &principal.session_id) else {
        return (
            StatusCode::BAD_REQUEST,
            "a read token has no session to sign out of\n",
        )
            .into_response();
    };
    if !same_secret(&f.csrf, expected) {
        return (
            StatusCode::FORBIDDEN,
            "sign-out needs the session's CSRF token (the form's csrf field)\n",
        )
            .into_response();
    }
    auth.sessions().end(id);
    let mut response = see_other("/login");
    set_cookie(
        &mut response,
        format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_server() {
        assert_eq!(
            safe_next(Some("/functions?sort=cost")),
            "/functions?sort=cost"
        );
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn a_name_is_locked_after_too_many_failures_for_the_window_only() {
        let failures = Failures::default();
        let t0 = Instant::now();
        for _ in 0..MAX_FAILURES - 1 {
            failures.failed("ana", t0);
        }
        assert!(failures.locked_for("ana", t0).is_none());
        failures.failed("ana", t0);
        assert_eq!(failures.locked_for("ana", t0), Some(FAILURE_WINDOW));
        assert!(failures.locked_for("bob", t0).is_none());
        assert!(failures.locked_for("ana", t0 + FAILURE_WINDOW).is_none());
        failures.succeeded("ana");
        assert!(failures.locked_for("ana", t0).is_none());
    }

    #[test]
    fn the_form_escapes_what_it_echoes() {
        assert_eq!(
            escape(r#"/x?a="><script>"#),
            "/x?a=&quot;&gt;&lt;script&gt;"
        );
    }
}
