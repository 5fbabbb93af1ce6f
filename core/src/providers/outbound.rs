//! Which addresses Hirekey calls on a user's behalf. A base URL a user typed (a custom
//! provider's) is called only if every address it connects to is public: loopback, private,
//! link-local, unique-local, CGNAT, multicast, unspecified, documentation and reserved
//! addresses (and the IPv4 addresses embedded in IPv6 forms) are refused. The check runs on the
//! addresses actually connected to: IP literals as the URL parser normalised them
//! (`2130706433`, `127.1` and `[::ffff:7f00:1]` are all 127.0.0.1), names through
//! [`GuardedResolver`], so a name that resolves to a private address is refused too. Operators
//! allow a local model server with `HIREKEY_ALLOWED_PROVIDER_HOSTS` (`host:port,...`); base URLs
//! from the environment are trusted.
use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    sync::Arc,
};

use anyhow::{bail, Context};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Who chose a base URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlSource {
    /// The environment (the built-in providers' URLs, the system key's): trusted.
    Operator,
    /// A user (a custom provider's base URL): called only at public addresses or allowed hosts.
    User,
}

/// The refusal, found in a connection error's source chain.
#[derive(Clone, Copy, Debug, thiserror::Error)]
#[error("the address is not public")]
pub struct BlockedAddress;

/// The operator's allow-list: `host:port` entries that may be called although they are local.
#[derive(Clone, Debug, Default)]
pub struct OutboundPolicy {
    allowed: Vec<(String, u16)>,
}

impl OutboundPolicy {
    /// Parses `HIREKEY_ALLOWED_PROVIDER_HOSTS`: comma-separated `host:port` (IPv6 in brackets).
    pub fn parse(list: &str) -> anyhow::Result<Self> {
        let mut allowed = Vec::new();
        for entry in list.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (host, port) = entry.rsplit_once(':').with_context(|| {
                format!("HIREKEY_ALLOWED_PROVIDER_HOSTS: '{entry}' needs a port (host:port)")
            })?;
            let port: u16 = port.parse().with_context(|| {
                format!("HIREKEY_ALLOWED_PROVIDER_HOSTS: bad port in '{entry}'")
            })?;
            let host = host.trim_start_matches('[').trim_end_matches(']');
            if host.is_empty() {
                bail!("HIREKEY_ALLOWED_PROVIDER_HOSTS: '{entry}' has no host");
            }
            allowed.push((host.to_ascii_lowercase(), port));
        }
        Ok(Self { allowed })
    }

    /// The entries, as written back for the admin page.
    pub fn entries(&self) -> Vec<String> {
        self.allowed
            .iter()
            .map(|(host, port)| {
                if host.contains(':') {
                    format!("[{host}]:{port}")
                } else {
                    format!("{host}:{port}")
                }
            })
            .collect()
    }

    /// Whether a URL's host and port are on the allow-list.
    pub fn allows(&self, url: &reqwest::Url) -> bool {
        let (Some(host), Some(port)) = (url.host_str(), url.port_or_known_default()) else {
            return false;
        };
        let host = host.trim_start_matches('[').trim_end_matches(']');
        self.allowed
            .iter()
            .any(|(h, p)| *p == port && h.eq_ignore_ascii_case(host))
    }
}

/// How a user-supplied URL may be called.
#[derive(Debug, PartialEq, Eq)]
pub enum Route {
    /// Allowed by the operator: any address.
    Allowed,
    /// A name: connect only through [`GuardedResolver`].
    Guarded,
}

/// Decides how a user's URL is called, refusing a non-public IP literal before any connection.
pub fn route(policy: &OutboundPolicy, url: &reqwest::Url) -> Result<Route, BlockedAddress> {
    if policy.allows(url) {
        return Ok(Route::Allowed);
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) if is_public(IpAddr::V4(ip)) => Ok(Route::Guarded),
        Some(url::Host::Ipv6(ip)) if is_public(IpAddr::V6(ip)) => Ok(Route::Guarded),
        Some(url::Host::Domain(_)) => Ok(Route::Guarded),
        _ => Err(BlockedAddress),
    }
}

/// Whether an address is one the public internet routes to.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(a == 0 // "this network", 0.0.0.0
        || a == 10
        || a == 127
        || (a == 100 && (64..128).contains(&b)) // CGNAT
        || (a == 169 && b == 254) // link-local, cloud metadata
        || (a == 172 && (16..32).contains(&b))
        || (a == 192 && b == 168)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 0 && c == 2) // documentation
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || (a == 198 && b == 51 && c == 100)
        || (a == 203 && b == 0 && c == 113)
        || a >= 224) // multicast, reserved, broadcast
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let embedded_v4 =
        || Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated but still routed by some stacks), IPv4-translated
    // (::ffff:0:a.b.c.d, RFC 2765) and the well-known NAT64 prefix (64:ff9b::/96): a translator
    // on this host's network delivers them to the IPv4 address in their last 32 bits.
    let ipv4_compatible = s[..6] == [0; 6];
    let ipv4_translated = s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0;
    let well_known_nat64 = s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0; 4];
    if ipv4_compatible || ipv4_translated || well_known_nat64 {
        return is_public_v4(embedded_v4());
    }
    // The local-use NAT64 prefix (64:ff9b:1::/48, RFC 8215).
    if s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1 {
        return local_nat64_readings(ip).all(is_public_v4);
    }
    // 6to4 carries its IPv4 address in the second and third segments.
    if s[0] == 0x2002 {
        let v4 = Ipv4Addr::new((s[1] >> 8) as u8, s[1] as u8, (s[2] >> 8) as u8, s[2] as u8);
        return is_public_v4(v4);
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique-local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] & 0xffc0) == 0xfec0 // site-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || (s[0] == 0x2001 && s[1] == 0) // Teredo
        || (s[0] == 0x0100 && s[1..4] == [0; 3])) // discard
}

/// The IPv4 addresses a local-use NAT64 address may stand for. The operator picks the prefix
/// length inside 64:ff9b:1::/48, and RFC 6052 places the IPv4 address differently for /48, /56,
/// /64 and /96, so every layout whose reserved bits (bits 64-71 and the suffix) are zero is a
/// reading; the address is public only if every reading is.
fn local_nat64_readings(ip: Ipv6Addr) -> impl Iterator<Item = Ipv4Addr> {
    let b = ip.octets();
    let zero = |bytes: &[u8]| bytes.iter().all(|&x| x == 0);
    let v4 = |o: [u8; 4]| Ipv4Addr::from(o);
    // The /96 layout has no reserved bits: always a reading.
    let by_96 = Some(v4([b[12], b[13], b[14], b[15]]));
    let by_64 = (b[8] == 0 && zero(&b[13..])).then(|| v4([b[9], b[10], b[11], b[12]]));
    let by_56 = (b[8] == 0 && zero(&b[12..])).then(|| v4([b[7], b[9], b[10], b[11]]));
    let by_48 = (b[8] == 0 && zero(&b[11..])).then(|| v4([b[6], b[7], b[9], b[10]]));
    [by_96, by_64, by_56, by_48].into_iter().flatten()
}

/// Resolves names like the system does, then keeps only public addresses; a name with none
/// left fails with [`BlockedAddress`], so the connection is never made.
pub struct GuardedResolver {
    inner: Arc<dyn Resolve>,
}

impl GuardedResolver {
    /// Guards the system resolver.
    pub fn system() -> Self {
        Self::around(Arc::new(SystemResolver))
    }

    /// Guards another resolver (tests use one that maps names to chosen addresses).
    pub fn around(inner: Arc<dyn Resolve>) -> Self {
        Self { inner }
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let inner = self.inner.resolve(name);
        Box::pin(async move {
            let public: Vec<SocketAddr> = inner.await?.filter(|a| is_public(a.ip())).collect();
            if public.is_empty() {
                return Err(Box::new(BlockedAddress) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

struct SystemResolver;

impl Resolve for SystemResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

/// Whether a connection failed because the address was refused.
pub fn is_blocked(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(e) = current {
        if e.downcast_ref::<BlockedAddress>().is_some() {
            return true;
        }
        current = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        match reqwest::Url::parse(text) {
            Ok(u) => u,
            Err(e) => unreachable!("{text}: {e}"),
        }
    }

    #[test]
    fn every_spelling_of_a_local_address_is_refused() {
        let policy = OutboundPolicy::default();
        for local in [
            "http://127.0.0.1:8080/v1",
            "http://127.1:8080/v1",
            "http://2130706433:8080/v1",
            "http://0x7f000001/v1",
            "http://0.0.0.0:9/v1",
            "http://[::1]:8080/v1",
            "http://[::ffff:127.0.0.1]:8080/v1",
            "http://[::ffff:7f00:1]/v1",
            "http://[::127.0.0.1]/v1",
            "http://[64:ff9b::a9fe:a9fe]/v1",
            "http://[2002:7f00:1::]/v1",
            // IPv4-translated (RFC 2765), both spellings.
            "http://[::ffff:0:127.0.0.1]/v1",
            "http://[::ffff:0:7f00:1]:8080/v1",
            "http://[::ffff:0:a9fe:a9fe]/latest",
            "http://[::ffff:0:10.0.0.1]/v1",
            // The well-known NAT64 prefix.
            "http://[64:ff9b::127.0.0.1]/v1",
            "http://[64:ff9b::c0a8:101]/v1",
            // The local-use NAT64 prefix (RFC 8215), in the /96, /64, /56 and /48 layouts.
            "http://[64:ff9b:1::7f00:1]/v1",
            "http://[64:ff9b:1::10.1.2.3]/v1",
            "http://[64:ff9b:1:abcd::169.254.169.254]/v1",
            "http://[64:ff9b:1:0:7f:0:100::]/v1",
            "http://[64:ff9b:1:7f:0:1::]/v1",
            "http://[64:ff9b:1:7f00:0:100::]/v1",
            "http://169.254.169.254/latest",
            "http://10.1.2.3/v1",
            "http://172.16.0.1/v1",
            "http://192.168.1.1/v1",
            "http://100.64.0.1/v1",
            "http://[fd00::1]/v1",
            "http://[fe80::1]/v1",
            "http://224.0.0.1/v1",
        ] {
            assert!(route(&policy, &url(local)).is_err(), "{local}");
        }
        for public in [
            "https://api.example.com/v1",
            "http://8.8.8.8/v1",
            "http://[2606:4700::1]/v1",
            // The same forms around a public IPv4 address stay usable (DNS64 networks).
            "http://[::ffff:0:8.8.8.8]/v1",
            "http://[64:ff9b::8.8.8.8]/v1",
            "http://[64:ff9b:1::8.8.8.8]/v1",
            "http://[64:ff9b:1:abcd::1.1.1.1]/v1",
        ] {
            assert_eq!(
                route(&policy, &url(public)).ok(),
                Some(Route::Guarded),
                "{public}"
            );
        }
    }

    #[test]
    fn the_allow_list_names_host_and_port() {
        let policy = OutboundPolicy::parse(" localhost:11434, [::1]:8080 ,127.0.0.1:9000");
        let Ok(policy) = policy else {
            unreachable!("a valid list parses")
        };
        assert_eq!(
            route(&policy, &url("http://localhost:11434/v1")).ok(),
            Some(Route::Allowed)
        );
        assert_eq!(
            route(&policy, &url("http://[::1]:8080/v1")).ok(),
            Some(Route::Allowed)
        );
        assert_eq!(
            route(&policy, &url("http://127.0.0.1:9000/v1")).ok(),
            Some(Route::Allowed)
        );
        assert!(route(&policy, &url("http://127.0.0.1:9001/v1")).is_err());
        assert_eq!(
            policy.entries(),
            vec!["localhost:11434", "[::1]:8080", "127.0.0.1:9000"]
        );
        assert!(OutboundPolicy::parse("localhost").is_err());
        assert!(OutboundPolicy::parse("localhost:http").is_err());
    }
}
