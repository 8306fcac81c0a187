//! Address grouping: which addresses one client controls, for every per-client limit.

use std::net::IpAddr;

/// What one client controls: an IPv4 address, or an IPv6 /64 (a single host usually holds a
/// whole /64 and could rotate through it). IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`, how a
/// dual-stack listener sees IPv4 clients) count as the IPv4 address they carry.
pub fn network_of(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => IpAddr::V6(std::net::Ipv6Addr::from(
            u128::from(v6) & !((1u128 << 64) - 1),
        )),
    }
}
