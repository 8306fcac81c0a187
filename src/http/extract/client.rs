//! The client's address, for the failed-login budget and the per-address limits; and the origin
//! of a request (address and user agent) for sessions and the audit trail.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{header, request::Parts},
};

use crate::{domain::session::Origin, state::AppState};

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

/// Where a request came from: its client address and `User-Agent`.
pub fn origin_of(parts: &Parts, state: &AppState) -> Origin {
    Origin {
        ip: ClientAddress::of(parts, &state.web.trusted_proxies).0,
        user_agent: parts
            .headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

impl FromRequestParts<AppState> for Origin {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(origin_of(parts, state))
    }
}
