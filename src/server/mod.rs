//! The HTTP server loop (hyper, HTTP/1 and HTTP/2). Every connection must send its first byte,
//! and then its headers, within the header-read timeout, and is closed after the idle timeout
//! without a byte either way; one client address (an IPv6 /64) holds at most its share of
//! connections, and all of them stay below the open-files limit, so that a flood of idle or
//! half-open connections from one client cannot stop the service from answering others. The
//! peer address goes to the handlers; shutdown lets requests in flight finish.

mod tracked;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, extract::ConnectInfo};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::{conn::auto::Builder, graceful::GracefulShutdown},
    service::TowerToHyperService,
};
use tokio::net::TcpListener;
use tower::ServiceExt;

use self::tracked::Tracked;
pub use crate::config::ConnectionLimits;
use crate::domain::network::network_of;

/// How long shutdown waits for requests in flight.
const DRAIN: Duration = Duration::from_secs(30);

/// Open files kept free for the database pool, logs and the like.
const RESERVED_FILES: usize = 256;

/// Raises the soft open-files limit to the hard one (where the system allows); returns the soft
/// limit in force.
pub fn raise_open_files_limit() -> Option<u64> {
    let (soft, hard) = open_files_limit()?;
    if soft < hard {
        let raised = libc::rlimit {
            rlim_cur: hard,
            rlim_max: hard,
        };
        // SAFETY: setrlimit reads a local struct only.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            tracing::info!(from = soft, to = hard, "open-files limit raised");
            return Some(hard);
        }
    }
    Some(soft)
}

/// The soft and hard open-files limits.
fn open_files_limit() -> Option<(libc::rlim_t, libc::rlim_t)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes to a local struct only.
    (unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } == 0)
        .then_some((limit.rlim_cur, limit.rlim_max))
}

/// Connections open per client network, and in all.
struct Census {
    open: Mutex<Open>,
    max_per_network: usize,
    max_total: usize,
}

#[derive(Default)]
struct Open {
    per_network: HashMap<IpAddr, usize>,
    total: usize,
}

/// One admitted connection; leaving the census when dropped.
struct Admitted(Arc<Census>, IpAddr);

impl Census {
    fn admit(self: &Arc<Self>, network: IpAddr, proxy: bool) -> Option<Admitted> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let from_network = open.per_network.get(&network).copied().unwrap_or(0);
        let over_share = from_network >= self.max_per_network && !proxy;
        if over_share || open.total >= self.max_total {
            return None;
        }
        open.per_network.insert(network, from_network + 1);
        open.total += 1;
        Some(Admitted(self.clone(), network))
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.0.open.lock().unwrap_or_else(|e| e.into_inner());
        open.total -= 1;
        if let Some(count) = open.per_network.get_mut(&self.1) {
            *count -= 1;
            if *count == 0 {
                open.per_network.remove(&self.1);
            }
        }
    }
}

/// Serves `app` until `shutdown` resolves, then drains open connections.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let files = open_files_limit().map_or(u64::MAX, |(soft, _)| soft);
    let census = Arc::new(Census {
        open: Mutex::new(Open::default()),
        max_per_network: limits.max_per_address,
        max_total: limits
            .max_connections
            .min(
                usize::try_from(files)
                    .unwrap_or(usize::MAX)
                    .saturating_sub(RESERVED_FILES),
            )
            .max(1),
    });
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.max_header_bytes)
        .max_concurrent_streams(limits.max_streams);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: back off rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let proxy = limits.trusted_proxies.contains(&peer.ip().to_canonical());
        let Some(admitted) = census.admit(network_of(peer.ip()), proxy) else {
            tracing::debug!(%peer, "connection refused: too many open connections");
            continue; // dropping the stream closes it
        };
        let service = app.clone().map_request(
            move |mut request: axum::http::Request<hyper::body::Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            },
        );
        let mut builder = builder.clone();
        let watcher = graceful.watcher();
        let (header_read_timeout, idle_timeout) = (limits.header_read_timeout, limits.idle_timeout);
        tokio::spawn(async move {
            let _admitted = admitted;
            // The protocol is detected from the first bytes: wait for them no longer than for
            // headers (auto-detection itself would wait for ever), and give the first request's
            // headers only what is left of that time.
            let accepted = tokio::time::Instant::now();
            let mut first = [0u8; 1];
            match tokio::time::timeout(header_read_timeout, stream.peek(&mut first)).await {
                Ok(Ok(n)) if n > 0 => {}
                _ => return,
            }
            let left = header_read_timeout.saturating_sub(accepted.elapsed());
            builder
                .http1()
                .header_read_timeout(left.max(Duration::from_millis(1)));
            let (stream, last_activity) = Tracked::new(stream);
            let connection = builder
                .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service))
                .into_owned();
            let connection = watcher.watch(connection);
            tokio::select! {
                result = connection => if let Err(error) = result {
                    tracing::debug!(%error, %peer, "connection ended with an error");
                },
                () = last_activity.idle_for(idle_timeout) => {
                    tracing::debug!(%peer, "idle connection closed");
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open after {DRAIN:?}; stopping anyway");
    }
}
