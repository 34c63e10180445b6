//! Rate limiting: how many requests a client may make per minute. Anonymous clients are
//! counted by address, token holders by token (and get a larger quota). Fixed windows of one
//! minute per client, so the `RateLimit` headers can say exactly what is left and when it
//! resets. Pure: the HTTP layer decides who the client is and writes the headers.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The window every quota counts in.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Requests per minute; 0 means no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    pub anonymous: u32,
    pub token: u32,
}

impl RateLimits {
    /// No limits (the default for a platform opened without configuration, as in tests).
    pub const OFF: RateLimits = RateLimits {
        anonymous: 0,
        token: 0,
    };
}

/// Who is counted.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    Address(IpAddr),
    Token(String),
}

/// The answer for one request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The quota of this client's window.
    pub limit: u32,
    /// Requests left in the window after this one.
    pub remaining: u32,
    /// Seconds until the window ends (at least 1).
    pub reset_secs: u64,
}

struct Window {
    started: Instant,
    used: u32,
}

/// The counters.
pub struct RateLimiter {
    limits: RateLimits,
    windows: Mutex<HashMap<Client, Window>>,
}

/// Windows kept before expired ones are swept.
const SWEEP_AT: usize = 100_000;

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    /// Counts a request of `client` at `now`; `None` when its kind of client has no limit.
    pub fn check(&self, client: Client, now: Instant) -> Option<Decision> {
        let limit = match client {
            Client::Address(_) => self.limits.anonymous,
            Client::Token(_) => self.limits.token,
        };
        if limit == 0 {
            return None;
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| now.duration_since(w.started) < WINDOW);
        }
        let window = windows.entry(client).or_insert(Window {
            started: now,
            used: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                used: 0,
            };
        }
        let allowed = window.used < limit;
        if allowed {
            window.used += 1;
        }
        let left = WINDOW.saturating_sub(now.duration_since(window.started));
        Some(Decision {
            allowed,
            limit,
            remaining: limit - window.used,
            reset_secs: left.as_secs_f64().ceil().max(1.0) as u64,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotas_count_per_client_and_reset_with_the_window() {
        let limiter = RateLimiter::new(RateLimits {
            anonymous: 2,
            token: 3,
        });
        let t0 = Instant::now();
        let a = Client::Address("10.0.0.1".parse().unwrap());
        let b = Client::Address("10.0.0.2".parse().unwrap());
        let first = limiter.check(a.clone(), t0).unwrap();
        assert_eq!(
            (first.allowed, first.limit, first.remaining, first.reset_secs),
            (true, 2, 1, 60)
        );
        assert!(limiter.check(a.clone(), t0).unwrap().allowed);
        let refused = limiter.check(a.clone(), t0 + Duration::from_secs(20)).unwrap();
        assert_eq!(
            (refused.allowed, refused.remaining, refused.reset_secs),
            (false, 0, 40)
        );
        // Another address has its own quota, a token holder a larger one.
        assert!(limiter.check(b, t0).unwrap().allowed);
        let token = Client::Token("0a1b2c3d".into());
        for _ in 0..3 {
            assert!(limiter.check(token.clone(), t0).unwrap().allowed);
        }
        assert!(!limiter.check(token, t0).unwrap().allowed);
        // A new window.
        assert!(limiter.check(a, t0 + WINDOW).unwrap().allowed);
        assert_eq!(
            RateLimiter::new(RateLimits::OFF).check(Client::Token("x".into()), t0),
            None
        );
    }
}
