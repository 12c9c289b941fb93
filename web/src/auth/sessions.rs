//! Signed-in browsers: a random session id in an HttpOnly cookie, mapped
//! here to the user and the session's CSRF token.
//!
//! Sessions live in memory: a restart signs everyone out, and signing out
//! really ends the session (a signed cookie could not be revoked). The map
//! is keyed by the SHA-256 of the id, so a lookup's timing says nothing
//! about the ids it holds, and it is bounded: when full, expired sessions
//! go first, then the one closest to expiry.

use super::users::{random_bytes, sha256_hex};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a session lasts after sign-in.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(12 * 3600);
/// Most sessions held at once.
pub const MAX_SESSIONS: usize = 10_000;

/// One signed-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who signed in.
    pub user: String,
    /// The token state-changing requests of this session must carry.
    pub csrf: String,
    expires: Instant,
}

/// All sessions.
#[derive(Debug)]
pub struct Sessions {
    by_id_hash: Mutex<HashMap<String, Session>>,
    capacity: usize,
    lifetime: Duration,
}

impl Default for Sessions {
    fn default() -> Self {
        Sessions::new(MAX_SESSIONS, SESSION_LIFETIME)
    }
}

impl Sessions {
    /// A store of at most `capacity` sessions lasting `lifetime` each.
    pub fn new(capacity: usize, lifetime: Duration) -> Sessions {
        Sessions {
            by_id_hash: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            lifetime,
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Session>> {
        // Nothing is left half-changed under this lock: a panic elsewhere
        // while it was held leaves a usable map.
        self.by_id_hash.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Starts a session for `user`; returns the id for the cookie.
    pub fn create(&self, user: &str, now: Instant) -> String {
        let id = hex::encode(random_bytes());
        let session = Session {
            user: user.into(),
            csrf: hex::encode(random_bytes()),
            expires: now + self.lifetime,
        };
        let mut map = self.map();
        if map.len() >= self.capacity {
            map.retain(|_, s| s.expires > now);
        }
        if map.len() >= self.capacity {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.expires)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(sha256_hex(&id), session);
        id
    }

    /// The live session with this id.
    pub fn get(&self, id: &str, now: Instant) -> Option<Session> {
        let key = sha256_hex(id);
        let mut map = self.map();
        match map.get(&key) {
            Some(s) if s.expires > now => Some(s.clone()),
            Some(_) => {
                map.remove(&key);
                None
            }
            None => None,
        }
    }

    /// Ends the session with this id.
    pub fn end(&self, id: &str) {
        self.map().remove(&sha256_hex(id));
    }

    /// Sessions held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.map().len()
    }

    /// Whether no session is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_is_found_until_it_expires_or_ends() {
        let sessions = Sessions::new(10, Duration::from_secs(60));
        let t0 = Instant::now();
        let id = sessions.create("ana", t0);
        let s = sessions.get(&id, t0 + Duration::from_secs(59)).unwrap();
        assert_eq!(s.user, "ana");
        assert_eq!(s.csrf.len(), 64);
        assert!(sessions.get("not-an-id", t0).is_none());
        assert!(sessions.get(&id, t0 + Duration::from_secs(60)).is_none());
        let id = sessions.create("ana", t0);
        sessions.end(&id);
        assert!(sessions.get(&id, t0).is_none());
    }

    #[test]
    fn the_store_is_bounded_and_drops_the_oldest_first() {
        let sessions = Sessions::new(3, Duration::from_secs(60));
        let t0 = Instant::now();
        let ids: Vec<String> = (0..5)
            .map(|i| sessions.create("ana", t0 + Duration::from_secs(i)))
            .collect();
        assert_eq!(sessions.len(), 3);
        let now = t0 + Duration::from_secs(5);
        assert!(sessions.get(&ids[0], now).is_none());
        assert!(sessions.get(&ids[1], now).is_none());
        assert!(ids[2..].iter().all(|id| sessions.get(id, now).is_some()));
    }
}
