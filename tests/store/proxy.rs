//! A TCP proxy in front of an engine that loses answers: it forwards every request, and the
//! answers to requests holding a given pattern (a commit's marker) are read from the engine and
//! then dropped, the connection cut, as a timeout or a reset after sending would. Once told to,
//! it also cuts every answer after such a request, as an engine that stopped answering would.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Default)]
struct Rules {
    /// Answers to requests holding the pattern still to lose.
    lose: AtomicUsize,
    /// After a request holding the pattern: every answer is lost.
    silent_after: AtomicBool,
    silent: AtomicBool,
    /// Answers lost so far.
    lost: AtomicUsize,
}

pub struct Proxy {
    pub port: u16,
    rules: Arc<Rules>,
}

impl Proxy {
    /// Listens on a free port of 127.0.0.1 and forwards to `upstream` (a port of 127.0.0.1).
    pub fn start(upstream: u16, pattern: &'static [u8]) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let rules = Arc::new(Rules::default());
        let shared = rules.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { continue };
                let Ok(engine) = TcpStream::connect(("127.0.0.1", upstream)) else {
                    continue;
                };
                connect(client, engine, pattern, shared.clone());
            }
        });
        Proxy { port, rules }
    }

    /// Loses the answers to the next `n` requests holding the pattern.
    pub fn lose_answers(&self, n: usize) {
        self.rules.lose.store(n, Ordering::SeqCst);
    }

    /// Loses the answer to the next request holding the pattern, and every answer after it.
    pub fn fall_silent_after_match(&self) {
        self.rules.lose.store(1, Ordering::SeqCst);
        self.rules.silent_after.store(true, Ordering::SeqCst);
    }

    /// Forwards every answer again.
    pub fn restore(&self) {
        self.rules.lose.store(0, Ordering::SeqCst);
        self.rules.silent_after.store(false, Ordering::SeqCst);
        self.rules.silent.store(false, Ordering::SeqCst);
    }

    /// How many answers were lost.
    pub fn lost(&self) -> usize {
        self.rules.lost.load(Ordering::SeqCst)
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn connect(client: TcpStream, engine: TcpStream, pattern: &'static [u8], rules: Arc<Rules>) {
    // This connection's next answer is to be lost.
    let doomed = Arc::new(AtomicBool::new(false));
    let (mut from_client, mut to_engine) = (client.try_clone().unwrap(), engine.try_clone().unwrap());
    let (mut from_engine, mut to_client) = (engine, client);
    let requests = (rules.clone(), doomed.clone());
    std::thread::spawn(move || {
        let (rules, doomed) = requests;
        let mut buffer = vec![0u8; 64 * 1024];
        // The end of the last read, so a pattern split across two reads is still found.
        let mut tail: Vec<u8> = Vec::new();
        loop {
            let n = match from_client.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut seen = std::mem::take(&mut tail);
            seen.extend_from_slice(&buffer[..n]);
            if contains(&seen, pattern)
                && rules
                    .lose
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(1))
                    .is_ok()
            {
                doomed.store(true, Ordering::SeqCst);
                if rules.silent_after.load(Ordering::SeqCst) {
                    rules.silent.store(true, Ordering::SeqCst);
                }
            }
            tail = seen[seen.len().saturating_sub(pattern.len())..].to_vec();
            if to_engine.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to_engine.shutdown(Shutdown::Write);
    });
    std::thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let n = match from_engine.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // The engine has answered (it applied the request): the answer is lost.
            if doomed.load(Ordering::SeqCst) || rules.silent.load(Ordering::SeqCst) {
                rules.lost.fetch_add(1, Ordering::SeqCst);
                break;
            }
            if to_client.write_all(&buffer[..n]).is_err() {
                break;
            }
        }
        let _ = to_client.shutdown(Shutdown::Both);
        let _ = from_engine.shutdown(Shutdown::Both);
    });
}
