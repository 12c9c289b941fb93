//! Ingest tokens and the tenants they write to.
//!
//! Tokens come from `FAASIGHT_INGEST_TOKENS` (`token=tenant,token=tenant`)
//! or a file with one `token tenant` pair per line (`#` comments). A request
//! presents its token as `Authorization: Bearer …`, `x-api-key: …`, or, from
//! Amazon Data Firehose, `X-Amz-Firehose-Access-Key: …`. With no tokens
//! configured, authentication is off and everything goes to tenant
//! `default` — the local, single-user setup `faasight up` starts with.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// A token's SHA-256. Tokens are looked up by digest, never compared as
/// strings: a string comparison stops at the first differing byte, and the
/// time it takes would let an attacker guess a token byte by byte; the
/// digest of a guess shares no prefix structure with the real token's.
type TokenDigest = [u8; 32];

fn digest(token: &str) -> TokenDigest {
    Sha256::digest(token.as_bytes()).into()
}

/// The token table.
#[derive(Clone, Default)]
pub struct Auth {
    tokens: HashMap<TokenDigest, String>,
    /// The token faasight's own telemetry comes with (`up --demo` sends
    /// it to its own collector) and its tenant. Accepted even when
    /// authentication is otherwise off, so that self-telemetry lands in a
    /// tenant of its own rather than in `default`.
    internal: Option<(TokenDigest, String)>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("tokens", &self.tokens.len())
            .field("internal", &self.internal.as_ref().map(|(_, t)| t))
            .finish()
    }
}

/// Why a request was not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token header.
    #[error(
        "missing ingest token: send it as `Authorization: Bearer <token>` or `x-api-key: <token>`"
    )]
    Missing,
    /// A token that is not configured.
    #[error("unknown ingest token")]
    Unknown,
}

impl Auth {
    /// Authentication off: every request writes to tenant `default`.
    pub fn disabled() -> Auth {
        Auth::default()
    }

    /// Parses `token=tenant,token=tenant`.
    pub fn from_env_value(value: &str) -> Result<Auth, String> {
        let mut tokens = HashMap::new();
        for pair in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (token, tenant) = pair
                .split_once('=')
                .ok_or_else(|| format!("ingest token entry {pair:?} is not token=tenant"))?;
            insert(&mut tokens, token.trim(), tenant.trim())?;
        }
        Ok(Auth {
            tokens,
            internal: None,
        })
    }

    /// Parses a tokens file: `token tenant` per line, `#` comments.
    pub fn from_file_text(text: &str) -> Result<Auth, String> {
        let mut tokens = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some(token), Some(tenant), None) => insert(&mut tokens, token, tenant)?,
                _ => return Err(format!("line {}: expected `token tenant`", n + 1)),
            }
        }
        Ok(Auth {
            tokens,
            internal: None,
        })
    }

    /// Whether any token is configured.
    pub fn enabled(&self) -> bool {
        !self.tokens.is_empty()
    }

    /// Adds the token of faasight's own telemetry, writing to `tenant`.
    pub fn with_internal_token(mut self, token: &str, tenant: &str) -> Result<Auth, String> {
        let mut one = HashMap::new();
        insert(&mut one, token, tenant)?;
        self.internal = one.into_iter().next();
        Ok(self)
    }

    /// The tenant a request writes to.
    pub fn tenant(&self, headers: &HeaderMap) -> Result<String, AuthError> {
        let token = presented_token(headers);
        if let (Some((digest_, tenant)), Some(token)) = (&self.internal, token) {
            if digest(token) == *digest_ {
                return Ok(tenant.clone());
            }
        }
        if !self.enabled() {
            return Ok("default".to_string());
        }
        let token = token.ok_or(AuthError::Missing)?;
        self.tokens
            .get(&digest(token))
            .cloned()
            .ok_or(AuthError::Unknown)
    }
}

/// The token a request presents, in the first header that has one.
fn presented_token(headers: &HeaderMap) -> Option<&str> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    header("authorization")
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .or_else(|| header("x-api-key"))
        .or_else(|| header("x-amz-firehose-access-key"))
        .map(str::trim)
}

fn insert(
    tokens: &mut HashMap<TokenDigest, String>,
    token: &str,
    tenant: &str,
) -> Result<(), String> {
    if token.len() < 8 {
        return Err("ingest tokens must be at least 8 characters".into());
    }
    if tenant.is_empty()
        || !tenant
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        return Err(format!(
            "tenant {tenant:?} may hold only letters, digits, '_' and '-'"
        ));
    }
    tokens.insert(digest(token), tenant.to_string());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_internal_token_writes_to_its_tenant_with_authentication_on_or_off() {
        let bearer = |t: &str| headers(&[("authorization", &format!("Bearer {t}"))]);
        let open = Auth::disabled()
            .with_internal_token("self-token-1234", "faasight-self")
            .unwrap();
        assert!(!open.enabled());
        assert_eq!(
            open.tenant(&bearer("self-token-1234")),
            Ok("faasight-self".into())
        );
        assert_eq!(
            open.tenant(&bearer("some-other-token")),
            Ok("default".into())
        );
        assert_eq!(open.tenant(&headers(&[])), Ok("default".into()));
        let closed = Auth::from_env_value("tok-aaaa-1111=acme")
            .unwrap()
            .with_internal_token("self-token-1234", "faasight-self")
            .unwrap();
        assert_eq!(
            closed.tenant(&bearer("self-token-1234")),
            Ok("faasight-self".into())
        );
        assert_eq!(closed.tenant(&bearer("tok-aaaa-1111")), Ok("acme".into()));
        assert_eq!(
            closed.tenant(&bearer("nope-nope-nope")),
            Err(AuthError::Unknown)
        );
        assert!(Auth::disabled().with_internal_token("short", "x").is_err());
    }

    #[test]
    fn maps_tokens_to_tenants_from_any_header() {
        let auth = Auth::from_env_value("tok-aaaa-1111=acme, tok-bbbb-2222=globex").unwrap();
        assert_eq!(
            auth.tenant(&headers(&[("authorization", "Bearer tok-aaaa-1111")])),
            Ok("acme".into())
        );
        assert_eq!(
            auth.tenant(&headers(&[("x-api-key", "tok-bbbb-2222")])),
            Ok("globex".into())
        );
        assert_eq!(
            auth.tenant(&headers(&[("x-amz-firehose-access-key", "tok-aaaa-1111")])),
            Ok("acme".into())
        );
        assert_eq!(auth.tenant(&headers(&[])), Err(AuthError::Missing));
        assert_eq!(
            auth.tenant(&headers(&[("x-api-key", "nope-nope-nope")])),
            Err(AuthError::Unknown)
        );
        assert_eq!(Auth::disabled().tenant(&headers(&[])), Ok("default".into()));
    }

    #[test]
    fn refuses_bad_configuration() {
        assert!(Auth::from_env_value("short=acme").is_err());
        assert!(Auth::from_env_value("tok-aaaa-1111").is_err());
        assert!(Auth::from_env_value("tok-aaaa-1111=bad tenant").is_err());
        let f = Auth::from_file_text(
            "# comment\ntok-aaaa-1111 acme\n\ntok-bbbb-2222 globex # trailing\n",
        )
        .unwrap();
        assert!(f.enabled());
        assert!(Auth::from_file_text("tok-aaaa-1111 acme extra").is_err());
    }
}
