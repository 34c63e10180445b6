//! Log output for the command line and the server: lines are appended to one in-memory buffer
//! and a writer thread empties it onto stderr in batches, so writing an access-log line costs a
//! copy, not a system call or a thread switch.

use std::io::Write;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

/// How often the writer thread empties the buffer.
const INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this large is written at once.
const EAGER: usize = 256 * 1024;
/// Past this, a logging thread writes the buffer itself rather than let it grow.
const MAX: usize = 16 * 1024 * 1024;

struct Shared {
    buffer: Mutex<Vec<u8>>,
    wake: Condvar,
}

impl Shared {
    fn drain(&self) -> Vec<u8> {
        std::mem::take(&mut *self.buffer.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn write_out(bytes: &[u8]) {
    if !bytes.is_empty() {
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(bytes);
        let _ = err.flush();
    }
}

/// The writer handed to `tracing_subscriber`.
#[derive(Clone, Copy)]
pub struct BatchedStderr {
    shared: &'static Shared,
    threaded: bool,
}

/// Writes what is left in the buffer when dropped (at the end of `main`).
pub struct FlushOnDrop {
    shared: &'static Shared,
}

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        write_out(&self.shared.drain());
    }
}

impl BatchedStderr {
    /// Starts the writer thread.
    pub fn start() -> (Self, FlushOnDrop) {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            buffer: Mutex::new(Vec::with_capacity(EAGER)),
            wake: Condvar::new(),
        }));
        let spawned = std::thread::Builder::new()
            .name("datahamn-log".into())
            .spawn(move || {
                loop {
                    let guard = shared.buffer.lock().unwrap_or_else(PoisonError::into_inner);
                    let (mut guard, _) = shared
                        .wake
                        .wait_timeout_while(guard, INTERVAL, |b| b.len() < EAGER)
                        .unwrap_or_else(PoisonError::into_inner);
                    let bytes = std::mem::take(&mut *guard);
                    drop(guard);
                    write_out(&bytes);
                }
            });
        // Without the thread, every line is written at once (see `LineWriter::drop`).
        let threaded = spawned.is_ok();
        (Self { shared, threaded }, FlushOnDrop { shared })
    }
}

/// One event's text, appended to the buffer as a whole when the event is written.
pub struct LineWriter {
    shared: &'static Shared,
    threaded: bool,
    line: Vec<u8>,
}

impl Write for LineWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.line.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.threaded {
            write_out(&self.line);
            return;
        }
        let mut buffer = self.shared.buffer.lock().unwrap_or_else(PoisonError::into_inner);
        buffer.extend_from_slice(&self.line);
        let len = buffer.len();
        if len >= MAX {
            let bytes = std::mem::take(&mut *buffer);
            drop(buffer);
            write_out(&bytes);
        } else if len >= EAGER {
            drop(buffer);
            self.shared.wake.notify_one();
        }
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BatchedStderr {
    type Writer = LineWriter;

    fn make_writer(&'a self) -> Self::Writer {
        LineWriter {
            shared: self.shared,
            threaded: self.threaded,
            line: Vec::with_capacity(160),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_whole_and_in_order() {
        let shared: &'static Shared = Box::leak(Box::new(Shared {
            buffer: Mutex::new(Vec::new()),
            wake: Condvar::new(),
        }));
        let writer = BatchedStderr {
            shared,
            threaded: true,
        };
        for n in 0..3 {
            let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&writer);
            write!(w, "line ").unwrap();
            writeln!(w, "{n}").unwrap();
        }
        assert_eq!(
            String::from_utf8(shared.drain()).unwrap(),
            "line 0\nline 1\nline 2\n"
        );
    }
}
