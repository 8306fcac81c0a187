//! The client's address, for the failed-login budget and the per-address limits.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::request::Parts,
};

use crate::state::AppState;

/// The client's address: the connection's peer, or, when the peer is one of `TRUSTED_PROXIES`,
/// the rightmost `X-Forwarded-For` entry (the address that proxy saw). IPv4-mapped IPv6
/// addresses (a dual-stack listener's view of IPv4 clients) are given as IPv4, so that they
/// compare and group as what they are. `None` when the server was started without connect info
/// (in-process tests).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddress(pub Option<IpAddr>);

impl ClientAddress {
    pub fn of(parts: &Parts, trusted_proxies: &[IpAddr]) -> Self {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip().to_canonical());
        ClientAddress(peer.map(|peer| {
            if trusted_proxies.contains(&peer) {
                client_ip::rightmost_x_forwarded_for(&parts.headers)
                    .map(|forwarded| forwarded.to_canonical())
                    .unwrap_or(peer)
            } else {
                peer
            }
        }))
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self::of(parts, &state.web.trusted_proxies))
    }
}
