//! SPARQL evaluation in worker processes, which the server can kill: the embedded store's
//! evaluator looks at its cancellation token only when it reads from the store, so a query that
//! computes without reading (joins of `VALUES`, sorting or grouping a large intermediate result,
//! string functions) could not be stopped in the server's own process, and nothing bounded the
//! memory it took.
//!
//! - **Workers.** `datahamn sparql-worker` ([`worker_main`]) caps its own memory
//!   (`RLIMIT_DATA`, `--sparql-memory-mb`), then answers one query at a time over a small framed
//!   protocol on stdin/stdout ([`Job`] in, an answer header and the serialised results out). It
//!   exits when its stdin closes, so workers never outlive the server.
//! - **Pool.** [`Pool`] keeps idle workers for reuse and starts one when none is idle; the
//!   endpoint's concurrency limit bounds how many run. A query past its deadline has its worker
//!   killed by the timer thread (`Child::kill`), which ends the read at once: the request is
//!   answered with `query_timeout`, the CPU and memory are released and the slot is free. A worker
//!   that dies on its own (out of memory: the allocator aborts) is reported as
//!   `query_memory_exceeded`. [`Pool::shutdown`] (SIGTERM) kills every worker and refuses new
//!   queries, so running requests end at once.
//! - **Snapshots.** A worker reads a checkpoint of the embedded store ([`Snapshots`]), made
//!   lazily by the first query that needs the current store revision (under the publishing lock,
//!   so it holds whole publishes, with the published graphs of that moment) and removed once it
//!   is neither among the newest [`KEEP_SNAPSHOTS`] nor used by a running query. A replica's
//!   workers read the replica's own copy of the writer's checkpoint. Each worker keeps the last
//!   snapshot it opened open, so only the first query on a new revision pays for opening it.

use super::bounds::{self, ParseLimits};
use super::{SparqlAnswer, serialize_results};
use crate::store::{QueryError, QueryScope, Store};
use oxigraph::model::NamedNode;
use serde::{Deserialize, Serialize};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// Snapshots kept besides those running queries still use.
pub const KEEP_SNAPSHOTS: usize = 2;

/// The stack of a worker's evaluating thread: the evaluator recurses once per level of the
/// query's algebra, which the parse limits keep shallow. (Thread stacks count against the
/// worker's memory limit.)
const EVAL_STACK: usize = 32 * 1024 * 1024;

/// The largest protocol frame (a job, or an answer's header).
const MAX_FRAME: usize = 64 * 1024 * 1024;

/// What the server tells a worker to run.
#[derive(Debug, Serialize, Deserialize)]
pub struct Job {
    /// The query text, already checked by the server.
    pub query: String,
    pub base_iri: String,
    pub limits: WireLimits,
    pub default_graphs: Vec<String>,
    pub named_graphs: Vec<String>,
    pub media_type: String,
    pub max_rows: usize,
    /// The snapshot's directory (`store/` and `archive/` inside).
    pub store: PathBuf,
}

/// [`ParseLimits`] on the wire.
#[derive(Debug, Serialize, Deserialize)]
pub struct WireLimits {
    pub max_bytes: usize,
    pub max_nesting: usize,
    pub max_depth: usize,
}

/// A worker's answer header; `body_len` bytes of results follow an `Ok` one.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    Ok {
        body_len: u64,
        truncated_at: Option<usize>,
    },
    Failed {
        kind: FailureKind,
        message: String,
    },
}

/// Why a query failed in a worker.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FailureKind {
    /// Not valid SPARQL (or over a parse limit).
    Syntax,
    /// The evaluator refused the query or failed while running it.
    Evaluation,
    /// The snapshot could not be opened or read.
    Store,
}

/// Why the pool did not answer.
#[derive(Debug)]
pub enum Failure {
    /// Past the deadline: the worker was killed.
    Timeout,
    /// The worker died on its own (out of memory, or a crash); the exit status.
    Died(String),
    /// The server is stopping.
    ShuttingDown,
    /// The query failed in the worker.
    Query(FailureKind, String),
    /// No worker could be started or spoken to.
    Io(String),
}

fn write_frame(w: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "frame too large"))?;
    w.write_all(&len.to_be_bytes())?;
    w.write_all(bytes)
}

fn read_frame(r: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            "frame too large",
        ));
    }
    let mut buf = vec![0u8; len];
    r.read_exact(&mut buf)?;
    Ok(buf)
}

fn invalid(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string())
}

// ---------------------------------------------------------------------------------------------
// The worker process.

/// `datahamn sparql-worker`: caps this process's memory at `memory_mb` MiB, then answers jobs
/// from stdin on stdout until stdin closes. Returns only on a setup failure.
pub fn worker_main(memory_mb: u64) -> Result<(), String> {
    let bytes = memory_mb.saturating_mul(1024 * 1024);
    rlimit::setrlimit(rlimit::Resource::DATA, bytes, bytes)
        .map_err(|e| format!("cannot cap the worker's memory at {memory_mb} MiB: {e}"))?;
    let (jobs, incoming) = std::sync::mpsc::sync_channel::<Job>(1);
    std::thread::Builder::new()
        .name("sparql-eval".into())
        .stack_size(EVAL_STACK)
        .spawn(move || {
            let mut out = BufWriter::new(std::io::stdout().lock());
            let mut opened: Option<(PathBuf, Store)> = None;
            for job in incoming {
                let result = evaluate(&job, &mut opened);
                let written = match result {
                    Ok(answer) => write_reply(
                        &mut out,
                        &Reply::Ok {
                            body_len: answer.body.len() as u64,
                            truncated_at: answer.truncated_at,
                        },
                    )
                    .and_then(|()| out.write_all(&answer.body)),
                    Err((kind, message)) => write_reply(&mut out, &Reply::Failed { kind, message }),
                };
                if written.and_then(|()| out.flush()).is_err() {
                    std::process::exit(0);
                }
            }
        })
        .map_err(|e| format!("cannot start the evaluating thread: {e}"))?;
    // This thread reads: when the server goes (stdin closes), the worker goes, whatever the
    // evaluating thread is doing.
    let mut input = BufReader::new(std::io::stdin().lock());
    loop {
        let job =
            read_frame(&mut input).and_then(|frame| serde_json::from_slice::<Job>(&frame).map_err(invalid));
        match job {
            Ok(job) => {
                if jobs.send(job).is_err() {
                    std::process::exit(1);
                }
            }
            Err(_) => std::process::exit(0),
        }
    }
}

fn write_reply(out: &mut impl Write, reply: &Reply) -> std::io::Result<()> {
    write_frame(out, &serde_json::to_vec(reply).map_err(invalid)?)
}

/// Runs one job in the worker.
fn evaluate(job: &Job, opened: &mut Option<(PathBuf, Store)>) -> Result<SparqlAnswer, (FailureKind, String)> {
    let limits = ParseLimits {
        max_bytes: job.limits.max_bytes,
        max_nesting: job.limits.max_nesting,
        max_depth: job.limits.max_depth,
    };
    let query = bounds::parse_here(&job.query, Some(&job.base_iri), limits)
        .map_err(|e| (FailureKind::Syntax, format!("{e:?}")))?;
    let query = super::with_own_nodes(query);
    let iris = |names: &[String]| -> Result<Vec<NamedNode>, (FailureKind, String)> {
        names
            .iter()
            .map(|n| NamedNode::new(n).map_err(|e| (FailureKind::Syntax, e.to_string())))
            .collect()
    };
    let scope = QueryScope {
        default_graphs: iris(&job.default_graphs)?,
        named_graphs: iris(&job.named_graphs)?,
    };
    if opened.as_ref().is_none_or(|(path, _)| *path != job.store) {
        // The previous snapshot is closed first: it may be removed at any time now.
        *opened = None;
        let store = Store::open_read_only(&job.store.join("store"), &job.store.join("archive"))
            .map_err(|e| (FailureKind::Store, e.to_string()))?;
        *opened = Some((job.store.clone(), store));
    }
    let Some((_, store)) = opened.as_ref() else {
        return Err((FailureKind::Store, "no store".into()));
    };
    let results = store
        .view()
        .query_parsed(query, &scope, None)
        .map_err(|e| match e {
            QueryError::Syntax(e) => (FailureKind::Syntax, e.to_string()),
            QueryError::Evaluation(e) => (FailureKind::Evaluation, e.to_string()),
        })?;
    serialize_results(results, &job.media_type, job.max_rows)
        .map_err(|e| (FailureKind::Evaluation, e.to_string()))
}

// ---------------------------------------------------------------------------------------------
// The server's side: the pool.

/// How the server starts its workers.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// The `datahamn` executable.
    pub program: PathBuf,
    /// Each worker's memory limit, in MiB.
    pub memory_mb: u64,
    /// Where the writer keeps its snapshots of the store.
    pub snapshot_dir: PathBuf,
}

/// Why a worker gave no answer.
enum Asked {
    /// The job could not be sent (the worker was gone already).
    NotSent(std::io::Error),
    /// The worker was killed or died before it answered.
    NoAnswer(std::io::Error),
}

/// A running worker process.
struct Worker {
    child: Arc<Mutex<Child>>,
    pid: u32,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(settings: &WorkerSettings) -> std::io::Result<Self> {
        let mut child = Command::new(&settings.program)
            .arg("sparql-worker")
            .arg("--memory-mb")
            .arg(settings.memory_mb.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()?;
        let missing = || std::io::Error::other("the worker's pipes are missing");
        let stdin = child.stdin.take().ok_or_else(missing)?;
        let stdout = child.stdout.take().ok_or_else(missing)?;
        Ok(Self {
            pid: child.id(),
            child: Arc::new(Mutex::new(child)),
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
        })
    }

    /// Sends a job and reads the answer; fails when the worker is killed or dies meanwhile.
    fn ask(
        &mut self,
        job: &[u8],
        max_body: u64,
    ) -> Result<Result<SparqlAnswer, (FailureKind, String)>, Asked> {
        write_frame(&mut self.stdin, job)
            .and_then(|()| self.stdin.flush())
            .map_err(Asked::NotSent)?;
        let reply: Reply = read_frame(&mut self.stdout)
            .and_then(|frame| serde_json::from_slice(&frame).map_err(invalid))
            .map_err(Asked::NoAnswer)?;
        match reply {
            Reply::Ok {
                body_len,
                truncated_at,
            } => {
                if body_len > max_body {
                    return Err(Asked::NoAnswer(invalid(
                        "the worker's answer is larger than its memory",
                    )));
                }
                let mut body = Vec::new();
                (&mut self.stdout)
                    .take(body_len)
                    .read_to_end(&mut body)
                    .map_err(Asked::NoAnswer)?;
                if body.len() as u64 != body_len {
                    return Err(Asked::NoAnswer(std::io::ErrorKind::UnexpectedEof.into()));
                }
                Ok(Ok(SparqlAnswer { body, truncated_at }))
            }
            Reply::Failed { kind, message } => Ok(Err((kind, message))),
        }
    }

    /// Kills the process (if it still runs) and reaps it; returns how it ended.
    fn end(&self) -> String {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        let _ = child.kill();
        match child.wait() {
            Ok(status) => status.to_string(),
            Err(e) => e.to_string(),
        }
    }
}

/// The workers of one server (see the module docs).
pub struct Pool {
    settings: WorkerSettings,
    idle: Mutex<Vec<Worker>>,
    /// The running workers' processes, by pid: killed at shutdown.
    running: Mutex<std::collections::HashMap<u32, Arc<Mutex<Child>>>>,
    closed: AtomicBool,
}

impl Pool {
    pub fn new(settings: WorkerSettings) -> Self {
        Self {
            settings,
            idle: Mutex::new(Vec::new()),
            running: Mutex::new(std::collections::HashMap::new()),
            closed: AtomicBool::new(false),
        }
    }

    pub fn settings(&self) -> &WorkerSettings {
        &self.settings
    }

    /// The process ids of the workers, running a query or idle.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids: Vec<u32> = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .copied()
            .collect();
        pids.extend(
            self.idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .map(|w| w.pid),
        );
        pids
    }

    /// Runs a job in a worker, killing it at `timeout`.
    pub fn run(&self, job: &Job, timeout: Duration) -> Result<SparqlAnswer, Failure> {
        let frame = serde_json::to_vec(job).map_err(|e| Failure::Io(e.to_string()))?;
        // An idle worker that is gone (killed from outside) is replaced once.
        for _ in 0..2 {
            if self.closed.load(Ordering::Acquire) {
                return Err(Failure::ShuttingDown);
            }
            let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let reused = idle.is_some();
            let mut worker = match idle {
                Some(worker) => worker,
                None => Worker::start(&self.settings)
                    .map_err(|e| Failure::Io(format!("cannot start a SPARQL worker: {e}")))?,
            };
            self.running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(worker.pid, worker.child.clone());
            // Shutdown may have begun before the worker was registered: it was not killed.
            if self.closed.load(Ordering::Acquire) {
                self.unregister(worker.pid);
                worker.end();
                return Err(Failure::ShuttingDown);
            }
            let watchdog = super::Watchdog::start(super::Expiry::Kill(worker.child.clone()), timeout);
            let max_body = self.settings.memory_mb.saturating_mul(1024 * 1024);
            let answer = worker.ask(&frame, max_body);
            watchdog.disarm();
            self.unregister(worker.pid);
            match answer {
                Ok(result) => {
                    // A worker whose deadline passed just as it answered may be killed.
                    if self.closed.load(Ordering::Acquire) || watchdog.fired() {
                        worker.end();
                    } else {
                        self.idle
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push(worker);
                    }
                    return result.map_err(|(kind, message)| Failure::Query(kind, message));
                }
                Err(Asked::NotSent(e)) if reused && !watchdog.fired() => {
                    tracing::debug!(pid = worker.pid, error = %e, "an idle SPARQL worker is gone");
                    worker.end();
                }
                Err(Asked::NotSent(e) | Asked::NoAnswer(e)) => {
                    let status = worker.end();
                    return Err(if watchdog.fired() {
                        Failure::Timeout
                    } else if self.closed.load(Ordering::Acquire) {
                        Failure::ShuttingDown
                    } else {
                        tracing::warn!(pid = worker.pid, %status, error = %e, "a SPARQL worker died");
                        Failure::Died(status)
                    });
                }
            }
        }
        Err(Failure::Io("the SPARQL workers do not start".into()))
    }

    fn unregister(&self, pid: u32) {
        self.running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&pid);
    }

    /// Kills every worker and refuses queries from now on; queries running are answered at
    /// once (`ShuttingDown`).
    pub fn shutdown(&self) {
        self.closed.store(true, Ordering::Release);
        let running: Vec<_> = self
            .running
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect();
        for child in running {
            let _ = child.lock().unwrap_or_else(PoisonError::into_inner).kill();
        }
        let idle = std::mem::take(&mut *self.idle.lock().unwrap_or_else(PoisonError::into_inner));
        for worker in idle {
            worker.end();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// ---------------------------------------------------------------------------------------------
// Snapshots of the store.

/// A checkpoint of the store at one revision, with the graphs published then.
pub struct Snapshot {
    pub revision: u64,
    pub path: PathBuf,
    pub scope: Arc<QueryScope>,
    /// Whether the directory is this server's to remove (not a replica's copy).
    owned: bool,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if self.owned
            && let Err(e) = std::fs::remove_dir_all(&self.path)
        {
            tracing::warn!(dir = %self.path.display(), error = %e, "cannot remove a SPARQL snapshot");
        }
    }
}

/// The writer's snapshots (see the module docs).
pub struct Snapshots {
    dir: PathBuf,
    /// Newest last.
    kept: Mutex<Vec<Arc<Snapshot>>>,
    /// Serialises making snapshots.
    making: Mutex<()>,
    sequence: AtomicU64,
}

impl Snapshots {
    /// Snapshots in `dir`; what an earlier run left there is removed.
    pub fn new(dir: PathBuf) -> std::io::Result<Self> {
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        Ok(Self {
            dir,
            kept: Mutex::new(Vec::new()),
            making: Mutex::new(()),
            sequence: AtomicU64::new(0),
        })
    }

    fn newest(&self) -> Option<Arc<Snapshot>> {
        self.kept
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .cloned()
    }

    /// The snapshot of `revision`, made with `make` (which writes a checkpoint into the path it
    /// is given and returns the revision and published graphs it holds) when there is none.
    /// `busy`: a publish is under way, so a new snapshot would wait for it; the newest one is
    /// answered from then, if there is one.
    pub fn get(
        &self,
        revision: u64,
        busy: impl Fn() -> bool,
        make: impl FnOnce(&Path) -> Result<(u64, Arc<QueryScope>), String>,
    ) -> Result<Arc<Snapshot>, String> {
        if let Some(s) = self.newest().filter(|s| s.revision == revision) {
            return Ok(s);
        }
        if busy()
            && let Some(s) = self.newest()
        {
            return Ok(s);
        }
        let _making = self.making.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(s) = self.newest().filter(|s| s.revision == revision) {
            return Ok(s);
        }
        let n = self.sequence.fetch_add(1, Ordering::Relaxed);
        let path = self.dir.join(format!("{revision:016x}-{n}"));
        let made = make(&path);
        let (revision, scope) = match made {
            Ok(made) => made,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&path);
                return Err(e);
            }
        };
        let snapshot = Arc::new(Snapshot {
            revision,
            path,
            scope,
            owned: true,
        });
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        kept.push(snapshot.clone());
        // Older ones go from the list; each directory goes when its last query ends.
        let excess = kept.len().saturating_sub(KEEP_SNAPSHOTS);
        kept.drain(..excess);
        Ok(snapshot)
    }
}

/// A replica's snapshot: its own copy of the writer's checkpoint, never removed here.
pub fn replica_snapshot(path: PathBuf, revision: u64, scope: Arc<QueryScope>) -> Snapshot {
    Snapshot {
        revision,
        path,
        scope,
        owned: false,
    }
}

/// What a job needs from the server's limits.
pub fn wire_limits(limits: ParseLimits) -> WireLimits {
    WireLimits {
        max_bytes: limits.max_bytes,
        max_nesting: limits.max_nesting,
        max_depth: limits.max_depth,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_refuse_what_is_too_large() {
        let mut buf = Vec::new();
        write_frame(&mut buf, b"hello").unwrap();
        write_frame(&mut buf, b"").unwrap();
        let mut r = &buf[..];
        assert_eq!(read_frame(&mut r).unwrap(), b"hello");
        assert_eq!(read_frame(&mut r).unwrap(), b"");
        assert!(read_frame(&mut r).is_err(), "the end");
        let huge = (u32::MAX).to_be_bytes();
        assert!(read_frame(&mut &huge[..]).is_err());
        // A frame cut short is an error, not a hang.
        let cut = [0, 0, 0, 9, b'a'];
        assert!(read_frame(&mut &cut[..]).is_err());
    }

    #[test]
    fn snapshots_are_made_once_per_revision_and_removed_when_unused() {
        let dir = tempfile::tempdir().unwrap();
        let snapshots = Snapshots::new(dir.path().join("s")).unwrap();
        let made = std::cell::Cell::new(0);
        let make = |rev: u64| {
            let made = &made;
            move |path: &Path| {
                made.set(made.get() + 1);
                std::fs::create_dir_all(path).unwrap();
                Ok((rev, Arc::new(QueryScope::default())))
            }
        };
        let first = snapshots.get(1, || false, make(1)).unwrap();
        let again = snapshots.get(1, || false, make(1)).unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(made.get(), 1);
        // A publish under way: the newest is used rather than waiting.
        let during = snapshots.get(2, || true, make(2)).unwrap();
        assert_eq!(during.revision, 1);
        assert_eq!(made.get(), 1);
        let second = snapshots.get(2, || false, make(2)).unwrap();
        let third = snapshots.get(3, || false, make(3)).unwrap();
        assert_eq!(made.get(), 3);
        // The first is no longer kept, but a query still holds it.
        assert!(first.path.exists());
        let path = first.path.clone();
        drop((first, again, during));
        assert!(!path.exists(), "removed with its last user");
        assert!(second.path.exists() && third.path.exists());
        // A failed checkpoint leaves nothing behind.
        assert!(snapshots.get(4, || false, |_| Err("disk full".into())).is_err());
        assert_eq!(snapshots.newest().unwrap().revision, 3);
    }
}
