//! The execution environments of one simulated function, arranged so that
//! routing an arrival costs O(log n) in the number of warm environments.
//!
//! A busy function at 100 M invocations a month keeps thousands of
//! environments warm after a burst; looking through all of them on every
//! arrival made the demo generator quadratic (it stalled past ~40 M
//! invocations). Here the busy environments wait in a map ordered by the
//! moment they become free, and the free ones in a map ordered the way
//! Lambda routes — provisioned first, then the most recently used — so an
//! arrival takes the top free environment that has not expired. Expired
//! ones are dropped when routing meets them, and by a sweep whenever the
//! free map has doubled since the last one, so memory stays bounded.

use std::collections::BTreeMap;

/// One execution environment.
#[derive(Debug)]
pub(crate) struct Instance {
    pub(crate) id: String,
    pub(crate) created_ms: i64,
    pub(crate) busy_until_ms: i64,
    pub(crate) last_end_ms: i64,
    pub(crate) keep_alive_ms: i64,
    pub(crate) lifetime_ms: i64,
    pub(crate) provisioned: bool,
    pub(crate) used: bool,
}

impl Instance {
    /// Whether the platform has reclaimed this (free) environment by `t`:
    /// idle past its keep-alive, or past its lifetime. Provisioned
    /// environments stay.
    fn expired_at(&self, t: i64) -> bool {
        !self.provisioned
            && (t - self.last_end_ms > self.keep_alive_ms || t - self.created_ms > self.lifetime_ms)
    }
}

/// Key of a free environment: routing takes the largest (provisioned
/// first, then the latest end; the later-added one on a tie).
type FreeKey = (bool, i64, u64);

#[derive(Debug, Default)]
pub(crate) struct Pool {
    next_seq: u64,
    free: BTreeMap<FreeKey, Instance>,
    /// Keyed by (busy until, sequence).
    busy: BTreeMap<(i64, u64), Instance>,
    provisioned: u32,
    /// Size of `free` after the last sweep.
    swept_len: usize,
}

impl Pool {
    /// Drops every environment (a deploy replaces them all).
    pub(crate) fn clear(&mut self) {
        self.free.clear();
        self.busy.clear();
        self.provisioned = 0;
        self.swept_len = 0;
    }

    /// Provisioned environments in the pool (busy ones included).
    pub(crate) fn provisioned(&self) -> u32 {
        self.provisioned
    }

    /// Adds a new, free environment.
    pub(crate) fn add(&mut self, inst: Instance) {
        if inst.provisioned {
            self.provisioned += 1;
        }
        self.put_free(inst);
    }

    fn put_free(&mut self, inst: Instance) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.free
            .insert((inst.provisioned, inst.last_end_ms, seq), inst);
    }

    /// Takes the environment an arrival at `t` is routed to, if one is
    /// free and warm; the caller gives it back with [`Pool::give_back`] or
    /// [`Pool::tear_down`].
    pub(crate) fn take(&mut self, t: i64) -> Option<Instance> {
        // Environments whose request ended by `t` are free again.
        while let Some(entry) = self.busy.first_entry() {
            if entry.key().0 > t {
                break;
            }
            let inst = entry.remove();
            self.put_free(inst);
        }
        if self.free.len() > 2 * self.swept_len + 64 {
            let before = self.free.len();
            let mut gone = 0;
            self.free.retain(|_, i| {
                let keep = !i.expired_at(t);
                gone += usize::from(!keep);
                keep
            });
            debug_assert_eq!(before - gone, self.free.len());
            self.swept_len = self.free.len();
        }
        // From the top: drop the expired, skip any still busy at `t` (a
        // callee can be called at times slightly out of order).
        let mut cursor: Option<FreeKey> = None;
        loop {
            let next = match cursor {
                None => self.free.last_key_value(),
                Some(k) => self.free.range(..k).next_back(),
            }
            .map(|(k, i)| (*k, i.busy_until_ms > t, i.expired_at(t)));
            let (key, still_busy, expired) = next?;
            if still_busy {
                cursor = Some(key);
            } else if expired {
                self.free.remove(&key);
            } else {
                return self.free.remove(&key);
            }
        }
    }

    /// Returns an environment after its request; it is free again from
    /// its `busy_until_ms`.
    pub(crate) fn give_back(&mut self, inst: Instance) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.busy.insert((inst.busy_until_ms, seq), inst);
    }

    /// Drops an environment that crashed or timed out.
    pub(crate) fn tear_down(&mut self, inst: Instance) {
        if inst.provisioned {
            self.provisioned -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inst(id: &str, t: i64, keep_alive_ms: i64, provisioned: bool) -> Instance {
        Instance {
            id: id.into(),
            created_ms: t,
            busy_until_ms: t,
            last_end_ms: t,
            keep_alive_ms,
            lifetime_ms: 10 * keep_alive_ms,
            provisioned,
            used: false,
        }
    }

    fn run(pool: &mut Pool, mut i: Instance, t: i64, ms: i64) -> String {
        i.busy_until_ms = t + ms;
        i.last_end_ms = t + ms;
        let id = i.id.clone();
        pool.give_back(i);
        id
    }

    #[test]
    fn routes_to_the_most_recently_used_free_environment() {
        let mut pool = Pool::default();
        pool.add(inst("a", 0, 1_000, false));
        pool.add(inst("b", 0, 1_000, false));
        // Both free at 10: the later-added one wins the tie.
        let b = pool.take(10).unwrap();
        assert_eq!(b.id, "b");
        let a = pool.take(10).unwrap();
        assert_eq!(a.id, "a");
        assert!(pool.take(10).is_none(), "both are busy");
        run(&mut pool, a, 10, 50); // free at 60
        run(&mut pool, b, 10, 20); // free at 30
                                   // At 100 both are free; `a` ended last.
        assert_eq!(pool.take(100).unwrap().id, "a");
        assert_eq!(pool.take(100).unwrap().id, "b");
    }

    #[test]
    fn provisioned_first_and_expired_never() {
        let mut pool = Pool::default();
        pool.add(inst("p", 0, 0, true));
        pool.add(inst("x", 5, 1_000, false));
        assert_eq!(pool.take(6).unwrap().id, "p");
        assert_eq!(pool.provisioned(), 1);
        // `x` idled from 5 past its 1 s keep-alive at 1,006.
        assert!(pool.take(1_006).is_none());
        assert_eq!(pool.free.len(), 0, "the expired environment is gone");
    }

    #[test]
    fn an_arrival_before_an_environment_frees_up_does_not_get_it() {
        let mut pool = Pool::default();
        pool.add(inst("a", 0, 1_000, false));
        let a = pool.take(0).unwrap();
        run(&mut pool, a, 0, 100);
        // An arrival at 150 frees `a`; a callee's arrival at 50 then
        // must not take it.
        assert_eq!(pool.take(150).map(|i| i.id.clone()), Some("a".into()));
        let mut pool2 = Pool::default();
        pool2.add(inst("a", 0, 1_000, false));
        let a = pool2.take(0).unwrap();
        run(&mut pool2, a, 0, 100);
        pool2.add(inst("b", 120, 1_000, false));
        let b = pool2.take(150).unwrap();
        assert_eq!(b.id, "b", "b ended at 120, after a's 100");
        pool2.give_back(b);
        assert!(pool2.take(50).is_none(), "a is busy until 100");
        assert_eq!(pool2.take(100).unwrap().id, "a");
    }

    #[test]
    fn sweeps_keep_memory_bounded() {
        let mut pool = Pool::default();
        // One environment that never expires stays on top, so routing
        // never meets the expired ones below it; only sweeps drop them.
        let mut top = inst("top", 0, 1, false);
        top.last_end_ms = i64::MAX / 4;
        top.lifetime_ms = i64::MAX / 4;
        pool.add(top);
        for k in 0..10_000i64 {
            let t = k * 1_000;
            pool.add(inst(&k.to_string(), t, 10, false));
            let got = pool.take(t).unwrap();
            assert_eq!(got.id, "top");
            pool.put_free(got);
        }
        assert!(
            pool.free.len() < 200,
            "{} free environments",
            pool.free.len()
        );
    }
}
