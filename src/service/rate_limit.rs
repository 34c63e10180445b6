//! Rate limiting: how many requests a client may make per minute. Anonymous clients are
//! counted by address, token holders by token (and get a larger quota). Fixed windows of one
//! minute per client, so the `RateLimit` headers can say exactly what is left and when it
//! resets. Pure: the HTTP layer writes the headers.
//!
//! Owns who the client is, too ([`Proxies::client`]): the connection's peer address, unless
//! the peer is one of the reverse proxies the operator trusts (`--trusted-proxy`; none by
//! default), in which case the forwarding header they set (`X-Forwarded-For`, or `Forwarded`
//! with `--client-ip-header forwarded`) is read from the right, past every trusted proxy, to
//! the first address no trusted proxy vouches for. A header sent by anyone else is ignored, so
//! no client picks its own bucket.

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

/// An address or a network (`10.0.0.0/8`, `2001:db8::/32`, `192.0.2.7`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    address: IpAddr,
    prefix: u8,
}

impl std::str::FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("`{s}` is neither an IP address nor a network such as 10.0.0.0/8");
        let (address, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let address: IpAddr = address.parse().map_err(|_| bad())?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok(Self { address, prefix })
    }
}

impl Network {
    /// Whether `ip` is in the network (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        let bits = |a: IpAddr| -> u128 {
            match a {
                IpAddr::V4(v4) => u128::from(u32::from(v4)),
                IpAddr::V6(v6) => u128::from(v6),
            }
        };
        if ip.is_ipv4() != self.address.is_ipv4() {
            return false;
        }
        let width = if ip.is_ipv4() { 32 } else { 128 };
        if self.prefix == 0 {
            return true;
        }
        let shift = width - u32::from(self.prefix);
        bits(ip) >> shift == bits(self.address) >> shift
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Which forwarding header the trusted proxies set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, ...`
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// The reverse proxies trusted to name the client, and the header they name it in.
#[derive(Clone, Debug, Default)]
pub struct Proxies {
    pub trusted: Vec<Network>,
    pub header: ForwardedHeader,
}

/// The most addresses of a forwarding header looked at (from the right).
const MAX_HOPS: usize = 32;

impl Proxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(ip))
    }

    /// The header's name, as sent.
    pub fn header_name(&self) -> &'static str {
        match self.header {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    /// The client of a connection from `peer` that carries `values` of the forwarding header
    /// (every occurrence, in order). Only a trusted peer's header is read: from its right end,
    /// each address a trusted proxy added is passed over, and the first other one is the client.
    /// A value that is not an address (`unknown`, an obfuscated name, garbage) ends the walk at
    /// the last trusted hop, since nothing left of it can be vouched for.
    pub fn client<'a>(&self, peer: IpAddr, values: impl Iterator<Item = &'a str>) -> IpAddr {
        let peer = canonical(peer);
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = values.flat_map(|v| v.split(',')).collect();
        let mut client = peer;
        for hop in hops.iter().rev().take(MAX_HOPS) {
            let address = match self.header {
                ForwardedHeader::XForwardedFor => parse_node(hop.trim()),
                ForwardedHeader::Forwarded => hop
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, v)| parse_node(v.trim().trim_matches('"'))),
            };
            let Some(address) = address.map(canonical) else {
                return client;
            };
            client = address;
            if !self.trusts(address) {
                return address;
            }
        }
        client
    }
}

/// An address as forwarding headers write it: bare, `[v6]`, `v4:port` or `[v6]:port`.
fn parse_node(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse() {
        return Some(ip);
    }
    if let Some(rest) = s.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    s.parse::<std::net::SocketAddr>().ok().map(|a| a.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let none = Proxies::default();
        // No trusted proxy: the header is ignored, whoever sends it.
        assert_eq!(
            none.client(ip("203.0.113.9"), ["198.51.100.1"].into_iter()),
            ip("203.0.113.9")
        );
        let proxies = Proxies {
            trusted: vec!["10.0.0.0/8".parse().unwrap(), "2001:db8::1".parse().unwrap()],
            header: ForwardedHeader::XForwardedFor,
        };
        // An untrusted peer's header is ignored.
        assert_eq!(
            proxies.client(ip("203.0.113.9"), ["198.51.100.1"].into_iter()),
            ip("203.0.113.9")
        );
        // A trusted proxy: the rightmost address it did not add itself. A client's own spoofed
        // entries are left of it and never reached.
        assert_eq!(
            proxies.client(ip("10.1.2.3"), ["1.2.3.4, 198.51.100.7", "10.9.9.9"].into_iter()),
            ip("198.51.100.7")
        );
        assert_eq!(
            proxies.client(ip("::ffff:10.1.2.3"), ["198.51.100.7:5000"].into_iter()),
            ip("198.51.100.7")
        );
        // Nothing usable: the last trusted hop.
        assert_eq!(proxies.client(ip("10.1.2.3"), std::iter::empty()), ip("10.1.2.3"));
        assert_eq!(
            proxies.client(ip("10.1.2.3"), ["1.2.3.4, garbage, 10.0.0.5"].into_iter()),
            ip("10.0.0.5")
        );
        let forwarded = Proxies {
            header: ForwardedHeader::Forwarded,
            ..proxies.clone()
        };
        assert_eq!(
            forwarded.client(
                ip("2001:db8::1"),
                [r#"for=1.2.3.4, for="[2001:db8:cafe::17]:4711";proto=https"#].into_iter()
            ),
            ip("2001:db8:cafe::17")
        );
        for bad in ["10.0.0.0/33", "nope", "1.2.3.4/x", "::/129"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        assert!("0.0.0.0/0".parse::<Network>().unwrap().contains(ip("8.8.8.8")));
        assert!(!"10.0.0.0/8".parse::<Network>().unwrap().contains(ip("11.0.0.1")));
    }

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
