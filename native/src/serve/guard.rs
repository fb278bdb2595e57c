//! Which addresses the relay may connect to: public ones only, unless `--relay-allow-private`.
//!
//! A relay on the user's machine reaches what the machine reaches: the router, the NAS,
//! other services on loopback, a cloud VM's metadata endpoint. A page that gets to use it
//! (or a public site that redirects it) must not turn it into a door to them, so the relay
//! refuses, by address and after DNS resolution:
//!
//! - loopback (127.0.0.0/8, ::1), "this network" (0.0.0.0/8) and unspecified (::);
//! - private (RFC 1918: 10/8, 172.16/12, 192.168/16; IPv6 unique-local fc00::/7, and the
//!   deprecated site-local fec0::/10) and shared CGNAT space (100.64/10, where some clouds
//!   put their metadata service, e.g. 100.100.100.200);
//! - link-local (169.254/16, which holds the cloud metadata address 169.254.169.254, and
//!   fe80::/10);
//! - broadcast (255.255.255.255), multicast and the reserved 240/4;
//! - IPv6 forms that embed one of the above (IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible,
//!   NAT64 64:ff9b::/96, 6to4 2002::/16).
//!
//! The check runs in [`GuardResolver`], a reqwest DNS resolver: the address that is checked
//! is the address that is connected to, so a name that resolves to a public address for the
//! check and to 127.0.0.1 for the connection (DNS rebinding) cannot slip through, and every
//! redirect hop (the relay follows them itself, one request per hop) is resolved here
//! again. reqwest does not resolve IP literals, so [`check_literal`] runs on every hop's
//! host first. Proxies are off in the relay's client (a proxy would resolve the target
//! itself).

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The relay's refusal, carried through reqwest's error chain so the relay can report it
/// as such (not as a DNS failure).
#[derive(Debug, Clone)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refused {}

/// How to get the refused addresses through: said in every refusal.
const HOW: &str = "the relay reaches public addresses only; restart with `silk serve --relay --relay-allow-private` to crawl your own network";

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_unspecified()
        || ip.is_documentation()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = embedded_v4(ip) {
        return is_public_v4(v4);
    }
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (first & 0xffc0) == 0xfec0 // site-local fec0::/10
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    if let Some(v4) = ip.to_ipv4_mapped() {
        Some(v4)
    } else if (s[..6] == [0; 6] && !ip.is_loopback() && !ip.is_unspecified())
        || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0]
    {
        Some(tail) // ::a.b.c.d (deprecated IPv4-compatible), or NAT64 64:ff9b::a.b.c.d
    } else if s[0] == 0x2002 {
        Some(Ipv4Addr::new(
            (s[1] >> 8) as u8,
            s[1] as u8,
            (s[2] >> 8) as u8,
            s[2] as u8,
        )) // 6to4
    } else {
        None
    }
}

/// The refusal for a target host that is an IP literal, checked before connecting.
pub fn check_literal(ip: IpAddr) -> Result<(), Refused> {
    if is_public(ip) {
        Ok(())
    } else {
        Err(Refused(format!(
            "refused: {ip} is a loopback, private, link-local or otherwise non-public address; {HOW}"
        )))
    }
}

/// A DNS resolver that drops non-public addresses from every answer and fails when none is
/// left (see the module doc). With `allow_private` it resolves like the system's.
#[derive(Debug, Clone, Copy)]
pub struct GuardResolver {
    pub allow_private: bool,
}

impl Resolve for GuardResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let (public, refused): (Vec<SocketAddr>, Vec<SocketAddr>) = all
                .into_iter()
                .partition(|a| allow_private || is_public(a.ip()));
            if public.is_empty() {
                let ips: Vec<String> = refused.iter().map(|a| a.ip().to_string()).collect();
                return Err(Box::new(Refused(format!(
                    "refused: {host} resolves to {} (loopback, private, link-local or otherwise non-public); {HOW}",
                    if ips.is_empty() { "nothing".to_string() } else { ips.join(", ") }
                ))) as _);
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

/// The relay's refusal somewhere in an error's chain of causes, if it is there.
pub fn refusal_in<'a>(error: &'a (dyn std::error::Error + 'static)) -> Option<&'a Refused> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<Refused>() {
            return Some(refused);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(s: &str) -> bool {
        is_public(s.parse().unwrap())
    }

    #[test]
    fn refused_ranges() {
        for ip in [
            "127.0.0.1",
            "127.8.9.10",
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.100.100.200",
            "255.255.255.255",
            "224.0.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:0101::1",
        ] {
            assert!(!public(ip), "{ip} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.216.34",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(public(ip), "{ip} is public");
        }
    }

    #[tokio::test]
    async fn the_resolver_refuses_localhost_unless_allowed() {
        let name: Name = "localhost".parse().unwrap();
        let err = match (GuardResolver {
            allow_private: false,
        })
        .resolve(name)
        .await
        {
            Ok(addrs) => panic!("resolved to {:?}", addrs.collect::<Vec<_>>()),
            Err(e) => e,
        };
        assert!(refusal_in(err.as_ref()).is_some(), "{err}");
        let name: Name = "localhost".parse().unwrap();
        let addrs: Vec<_> = (GuardResolver {
            allow_private: true,
        })
        .resolve(name)
        .await
        .unwrap()
        .collect();
        assert!(addrs.iter().all(|a| a.ip().is_loopback()), "{addrs:?}");
    }
}
