//! Accepted connections: the socket options every connection gets as it is accepted, and the
//! counts that show they were set.
//!
//! `TCP_NODELAY` is set on every accepted socket. Without it, Nagle's algorithm holds back the
//! last small segment of an answer written in more than one piece (a compressed body is written
//! as the head, then its encoded chunks) until the client acknowledges the previous one, and
//! clients delay that acknowledgement by up to 40 ms: every compressed answer on a keep-alive
//! connection then waited about 40 ms. The server writes whole answers, so Nagle's batching has
//! nothing left to gain.

use actix_web::dev::Extensions;
use actix_web::rt::net::TcpStream;
use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};

static ACCEPTED: AtomicU64 = AtomicU64::new(0);
static WITHOUT_NODELAY: AtomicU64 = AtomicU64::new(0);

/// What the server did with the connections it accepted since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionCounts {
    /// TCP connections accepted.
    pub accepted: u64,
    /// Of those, the ones whose `TCP_NODELAY` could not be set (each is logged as a warning).
    pub without_nodelay: u64,
}

/// The counts since the process started.
pub fn counts() -> ConnectionCounts {
    ConnectionCounts {
        accepted: ACCEPTED.load(Ordering::Relaxed),
        without_nodelay: WITHOUT_NODELAY.load(Ordering::Relaxed),
    }
}

/// The server's `on_connect` hook: tunes each accepted TCP socket.
pub fn on_connect(connection: &dyn Any, _: &mut Extensions) {
    if let Some(stream) = connection.downcast_ref::<TcpStream>() {
        tune(stream);
    }
}

/// Sets `TCP_NODELAY` and reads it back; a socket that refuses is counted and logged, and still
/// served.
fn tune(stream: &TcpStream) -> bool {
    ACCEPTED.fetch_add(1, Ordering::Relaxed);
    match stream.set_nodelay(true).and_then(|()| stream.nodelay()) {
        Ok(true) => true,
        outcome => {
            WITHOUT_NODELAY.fetch_add(1, Ordering::Relaxed);
            let reason = outcome.map_or_else(|e| e.to_string(), |_| "not set".into());
            tracing::warn!(%reason, "TCP_NODELAY could not be set on an accepted connection");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accepted_socket_gets_nodelay() {
        actix_web::rt::System::new().block_on(async {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
            let (accepted, _) = listener.accept().unwrap();
            accepted.set_nonblocking(true).unwrap();
            let stream = TcpStream::from_std(accepted).unwrap();
            assert!(
                !stream.nodelay().unwrap(),
                "a new socket starts with Nagle's algorithm on"
            );
            let before = counts();
            on_connect(&stream, &mut Extensions::new());
            assert!(stream.nodelay().unwrap());
            let after = counts();
            assert!(after.accepted > before.accepted);
            assert_eq!(after.without_nodelay, before.without_nodelay);
        });
    }
}
