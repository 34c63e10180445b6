//! Bounds on dump and download streams: how many are written at once, and how long one may wait
//! for a client that stops reading.
//!
//! Owns [`Streams`]: a counting semaphore of [`StreamLimits::max_streams`] slots. A stream takes
//! a slot before its writer thread starts and gives it back when the thread ends (finished,
//! failed, or given up on a client that read nothing for [`StreamLimits::stall_timeout`]); a
//! request finding every slot taken is refused with 503 and `Retry-After`, never queued. The
//! count of running streams is readable, for operators and tests.

use super::ServiceError;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// The bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StreamLimits {
    /// Streams written at once.
    pub max_streams: usize,
    /// How long a stream waits for its client to take the next bytes before it is dropped.
    pub stall_timeout: Duration,
}

impl Default for StreamLimits {
    fn default() -> Self {
        Self {
            max_streams: 16,
            stall_timeout: Duration::from_secs(30),
        }
    }
}

/// The `Retry-After` of a refusal when every slot is taken.
pub const RETRY_SECS: u64 = 5;

/// The slots.
pub struct Streams {
    limits: StreamLimits,
    running: Arc<AtomicUsize>,
}

/// A taken slot: given back when dropped.
#[derive(Debug)]
pub struct Slot {
    running: Arc<AtomicUsize>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.running.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Streams {
    pub fn new(limits: StreamLimits) -> Self {
        Self {
            limits: StreamLimits {
                max_streams: limits.max_streams.max(1),
                ..limits
            },
            running: Arc::default(),
        }
    }

    pub fn limits(&self) -> StreamLimits {
        self.limits
    }

    /// Streams running now.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }

    /// A slot, or the refusal when every one is taken.
    pub fn take(&self) -> Result<Slot, ServiceError> {
        let max = self.limits.max_streams;
        self.running
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1))
            .map(|_| Slot {
                running: Arc::clone(&self.running),
            })
            .map_err(|_| ServiceError::Busy {
                message: format!(
                    "{max} downloads are being written, the most this platform writes at once (--max-dump-streams); retry in a little while."
                ),
                retry_after: RETRY_SECS,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_taken_up_to_the_bound_and_given_back_when_dropped() {
        let streams = Streams::new(StreamLimits {
            max_streams: 2,
            stall_timeout: Duration::from_secs(1),
        });
        let a = streams.take().unwrap();
        let b = streams.take().unwrap();
        assert_eq!(streams.running(), 2);
        assert!(matches!(
            streams.take(),
            Err(ServiceError::Busy {
                retry_after: RETRY_SECS,
                ..
            })
        ));
        drop(a);
        assert_eq!(streams.running(), 1);
        let _c = streams.take().unwrap();
        drop(b);
        assert_eq!(streams.running(), 1);
    }
}
