//! Background jobs: work a client asked to run without waiting for it (an upload sent with
//! `Prefer: respond-async`), and what became of it.
//!
//! Owns the job table: each job's id (128 random bits), the organisation that may read it,
//! its state (queued, with its place in the queue; running; succeeded; failed) and, once
//! finished, its outcome: what its work returned, or the [`ServiceError`] it failed with (the
//! HTTP layer answers it as the request would have been answered).
//!
//! Owns the pool that runs them too: [`JobLimits::workers`] threads (started with the first
//! job) take jobs from one queue of at most [`JobLimits::queue`] waiting jobs, in order; a job
//! sent to a full queue is refused ([`SpawnError::QueueFull`]), never queued without bound. A
//! job that panics ends `failed` ([`ServiceError::JobStopped`]), and its worker goes on with
//! the next.
//! Publishes still run one at a time under the platform's publishing lock.
//! Jobs live in memory: the table holds the last [`KEEP`] jobs for [`KEEP_FOR`], and is empty
//! after a restart (a publish that a restart interrupted left the version before it in place).

use super::ServiceError;
use crate::auth::Principal;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many jobs the table keeps.
pub const KEEP: usize = 1_000;
/// How long a finished job stays readable.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3_600);

/// The pool's bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JobLimits {
    /// Jobs running at once (worker threads).
    pub workers: usize,
    /// Jobs waiting for a worker; one more is refused.
    pub queue: usize,
}

impl Default for JobLimits {
    fn default() -> Self {
        Self {
            workers: 2,
            queue: 16,
        }
    }
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// What became of a finished job: its work's outcome, or why it failed.
pub type JobOutcome<O> = Arc<Result<O, ServiceError>>;

/// A job as its owner sees it.
#[derive(Debug)]
pub struct JobState<O> {
    pub id: String,
    pub status: JobStatus,
    /// While `queued`: its place in the queue (1: it runs next, once a worker is free).
    pub queue_position: Option<usize>,
    /// What the job does (`publish`, `dry_run`).
    pub action: String,
    pub dataset: String,
    /// The name of the token that started it.
    pub started_by: String,
    pub created: String,
    pub started: Option<String>,
    pub finished: Option<String>,
    /// Present once the job has finished.
    pub outcome: Option<JobOutcome<O>>,
}

impl<O> Clone for JobState<O> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            status: self.status,
            queue_position: self.queue_position,
            action: self.action.clone(),
            dataset: self.dataset.clone(),
            started_by: self.started_by.clone(),
            created: self.created.clone(),
            started: self.started.clone(),
            finished: self.finished.clone(),
            outcome: self.outcome.clone(),
        }
    }
}

struct Job<O> {
    view: Mutex<JobState<O>>,
    publisher: String,
    finished_at: Mutex<Option<Instant>>,
}

impl<O> Job<O> {
    fn update(&self, change: impl FnOnce(&mut JobState<O>)) {
        change(&mut self.view.lock().unwrap_or_else(PoisonError::into_inner));
    }

    fn id(&self) -> String {
        self.view
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .id
            .clone()
    }
}

type Work<O> = Box<dyn FnOnce() -> Result<O, ServiceError> + Send>;

/// The queue the workers take from.
struct Queue<O> {
    waiting: VecDeque<(Arc<Job<O>>, Work<O>)>,
    /// Workers started so far.
    workers: usize,
    /// Workers running a job.
    busy: usize,
    /// Set when the table is dropped: the workers end.
    closed: bool,
}

struct Pool<O> {
    queue: Mutex<Queue<O>>,
    ready: Condvar,
}

impl<O> Default for Pool<O> {
    fn default() -> Self {
        Self {
            queue: Mutex::new(Queue {
                waiting: VecDeque::new(),
                workers: 0,
                busy: 0,
                closed: false,
            }),
            ready: Condvar::new(),
        }
    }
}

/// The table of jobs whose work returns an `O`, and the pool that runs them.
pub struct Jobs<O> {
    table: Mutex<VecDeque<Arc<Job<O>>>>,
    pool: Arc<Pool<O>>,
    limits: JobLimits,
}

impl<O: Send + Sync + 'static> Default for Jobs<O> {
    fn default() -> Self {
        Self::new(JobLimits::default())
    }
}

impl<O> Drop for Jobs<O> {
    fn drop(&mut self) {
        self.pool
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closed = true;
        self.pool.ready.notify_all();
    }
}

/// Why a job cannot be shown.
#[derive(Debug, PartialEq, Eq)]
pub enum JobError {
    NotFound,
    /// Another organisation's job.
    Forbidden,
}

/// Why a job was not started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The queue holds [`JobLimits::queue`] waiting jobs already.
    #[error("{waiting} jobs are waiting already, the most the queue holds")]
    QueueFull { waiting: usize },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl<O: Send + Sync + 'static> Jobs<O> {
    /// An empty table whose jobs run within `limits`.
    pub fn new(limits: JobLimits) -> Self {
        Self {
            table: Mutex::new(VecDeque::new()),
            pool: Arc::default(),
            limits: JobLimits {
                workers: limits.workers.max(1),
                queue: limits.queue,
            },
        }
    }

    /// The pool's bounds.
    pub fn limits(&self) -> JobLimits {
        self.limits
    }

    /// Whether a job sent now would be refused (the queue is full).
    pub fn is_full(&self) -> bool {
        let queue = self.pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
        self.full(&queue)
    }

    /// Every worker is busy (or about to be, with the jobs waiting) and [`JobLimits::queue`]
    /// jobs wait besides.
    fn full(&self, queue: &Queue<O>) -> bool {
        let idle = self.limits.workers.saturating_sub(queue.busy);
        queue.waiting.len() >= self.limits.queue + idle
    }

    /// Queues `work` for the pool and returns the job as it stands (queued, with its place).
    /// `publisher` is the organisation whose dataset the job changes: its tokens (and
    /// administrators) may read the job. Refused when the queue is full.
    pub fn spawn(
        &self,
        principal: &Principal,
        publisher: &str,
        action: &str,
        dataset: &str,
        work: impl FnOnce() -> Result<O, ServiceError> + Send + 'static,
    ) -> Result<JobState<O>, SpawnError> {
        let mut view = JobState {
            id: crate::text::random_hex(16)?,
            status: JobStatus::Queued,
            queue_position: None,
            action: action.to_owned(),
            dataset: dataset.to_owned(),
            started_by: principal.token_name.clone(),
            created: super::time::now_rfc3339(),
            started: None,
            finished: None,
            outcome: None,
        };
        let job = Arc::new(Job {
            view: Mutex::new(view.clone()),
            publisher: publisher.to_owned(),
            finished_at: Mutex::new(None),
        });
        {
            let mut queue = self.pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if self.full(&queue) {
                return Err(SpawnError::QueueFull {
                    waiting: queue.waiting.len(),
                });
            }
            if queue.workers < self.limits.workers {
                let pool = Arc::clone(&self.pool);
                std::thread::Builder::new()
                    .name(format!("job-worker-{}", queue.workers + 1))
                    .spawn(move || work_on(&pool))?;
                queue.workers += 1;
            }
            queue.waiting.push_back((job.clone(), Box::new(work)));
            view.queue_position = Some(queue.waiting.len());
        }
        {
            let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            prune(&mut table, Instant::now());
            table.push_back(job);
        }
        self.pool.ready.notify_one();
        Ok(view)
    }

    /// A job, for a token that may read it: one of the organisation whose dataset it
    /// changes, or an administrator's.
    pub fn get(&self, principal: &Principal, id: &str) -> Result<JobState<O>, JobError> {
        let job = {
            let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            table
                .iter()
                .find(|j| j.id() == id)
                .cloned()
                .ok_or(JobError::NotFound)?
        };
        if !principal.scope.may_write(&job.publisher) {
            return Err(JobError::Forbidden);
        }
        let mut view = job.view.lock().unwrap_or_else(PoisonError::into_inner).clone();
        if view.status == JobStatus::Queued {
            let queue = self.pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
            view.queue_position = queue
                .waiting
                .iter()
                .position(|(j, _)| Arc::ptr_eq(j, &job))
                .map(|at| at + 1);
        }
        Ok(view)
    }
}

/// A worker: takes the next job, runs it, records what became of it; until the table is gone.
fn work_on<O>(pool: &Pool<O>) {
    loop {
        let (job, work) = {
            let mut queue = pool.queue.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if queue.closed {
                    return;
                }
                if let Some(next) = queue.waiting.pop_front() {
                    queue.busy += 1;
                    // Marked running before the queue is let go, so no reader sees it in
                    // neither state.
                    next.0.update(|v| {
                        v.status = JobStatus::Running;
                        v.queue_position = None;
                        v.started = Some(super::time::now_rfc3339());
                    });
                    break next;
                }
                queue = pool.ready.wait(queue).unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(job = %job.id(), panic = %what, "a job stopped on an unexpected error");
            Err(ServiceError::JobStopped)
        });
        job.update(|v| {
            v.status = if result.is_ok() {
                JobStatus::Succeeded
            } else {
                JobStatus::Failed
            };
            v.finished = Some(super::time::now_rfc3339());
            v.outcome = Some(Arc::new(result));
        });
        *job.finished_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
        pool.queue.lock().unwrap_or_else(PoisonError::into_inner).busy -= 1;
    }
}

/// Drops jobs finished longer ago than [`KEEP_FOR`], then the oldest finished ones past [`KEEP`].
fn prune<O>(table: &mut VecDeque<Arc<Job<O>>>, now: Instant) {
    let finished_at = |j: &Arc<Job<O>>| *j.finished_at.lock().unwrap_or_else(PoisonError::into_inner);
    table.retain(|j| finished_at(j).is_none_or(|t| now.duration_since(t) < KEEP_FOR));
    while table.len() >= KEEP {
        match table.iter().position(|j| finished_at(j).is_some()) {
            Some(i) => {
                table.remove(i);
            }
            None => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Scope;

    fn principal(scope: Scope) -> Principal {
        Principal {
            token_id: "00000000".into(),
            token_name: "steward".into(),
            scope,
        }
    }

    /// Waits for a job's result; the bound (60 s) only catches a hang: a panicking job's
    /// backtrace alone can take seconds to print on a busy machine.
    fn wait(jobs: &Jobs<u16>, who: &Principal, id: &str) -> JobState<u16> {
        for _ in 0..6000 {
            let view = jobs.get(who, id).unwrap();
            if view.outcome.is_some() {
                return view;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("job {id} did not finish");
    }

    #[test]
    fn a_job_runs_and_only_its_organisation_reads_it() {
        let jobs = Jobs::<u16>::default();
        let owner = principal(Scope::Organisation("1401".into()));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let job = jobs
            .spawn(&owner, "1401", "publish", "badplatser", move || {
                rx.recv().ok();
                Ok(201)
            })
            .unwrap();
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.id.len(), 32);
        let foreign = principal(Scope::Organisation("1480".into()));
        assert_eq!(jobs.get(&foreign, &job.id).unwrap_err(), JobError::Forbidden);
        assert_eq!(jobs.get(&owner, "0123").unwrap_err(), JobError::NotFound);
        assert!(jobs.get(&owner, &job.id).unwrap().outcome.is_none());
        tx.send(()).unwrap();
        let done = wait(&jobs, &owner, &job.id);
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.outcome.unwrap().as_ref().as_ref().ok(), Some(&201));
        assert!(done.finished.is_some());
        let admin = principal(Scope::Admin);
        assert_eq!(jobs.get(&admin, &job.id).unwrap().status, JobStatus::Succeeded);
    }

    #[test]
    fn jobs_wait_their_turn_in_a_bounded_queue_and_a_panic_fails_its_job() {
        let jobs = Jobs::<u16>::new(JobLimits { workers: 1, queue: 2 });
        let owner = principal(Scope::Organisation("1401".into()));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let rx = Arc::new(Mutex::new(rx));
        let blocked = |rx: Arc<Mutex<std::sync::mpsc::Receiver<()>>>| {
            move || {
                rx.lock().unwrap().recv().ok();
                Ok(200)
            }
        };
        let first = jobs
            .spawn(&owner, "1401", "dry_run", "a", blocked(rx.clone()))
            .unwrap();
        // The worker takes it: running, no place in the queue.
        for _ in 0..500 {
            if jobs.get(&owner, &first.id).unwrap().status == JobStatus::Running {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let running = jobs.get(&owner, &first.id).unwrap();
        assert_eq!(
            (running.status, running.queue_position),
            (JobStatus::Running, None)
        );
        let second = jobs
            .spawn(&owner, "1401", "dry_run", "b", || panic!("boom"))
            .unwrap();
        let third = jobs
            .spawn(&owner, "1401", "dry_run", "c", blocked(rx.clone()))
            .unwrap();
        assert_eq!((second.queue_position, third.queue_position), (Some(1), Some(2)));
        assert_eq!(jobs.get(&owner, &third.id).unwrap().queue_position, Some(2));
        assert!(jobs.is_full());
        let refused = jobs.spawn(&owner, "1401", "dry_run", "d", blocked(rx.clone()));
        assert!(
            matches!(refused, Err(SpawnError::QueueFull { waiting: 2 })),
            "{refused:?}"
        );
        tx.send(()).unwrap();
        // The panic ends its job failed, and the worker goes on.
        let failed = wait(&jobs, &owner, &second.id);
        assert_eq!(failed.status, JobStatus::Failed);
        assert!(matches!(
            failed.outcome.unwrap().as_ref(),
            Err(ServiceError::JobStopped)
        ));
        tx.send(()).unwrap();
        assert_eq!(wait(&jobs, &owner, &third.id).status, JobStatus::Succeeded);
        assert!(!jobs.is_full());
    }

    #[test]
    fn a_refused_job_failed() {
        let jobs = Jobs::<u16>::default();
        let owner = principal(Scope::Organisation("1401".into()));
        let job = jobs
            .spawn(&owner, "1401", "publish", "badplatser", || {
                Err(ServiceError::Invalid(Box::default()))
            })
            .unwrap();
        assert_eq!(wait(&jobs, &owner, &job.id).status, JobStatus::Failed);
    }
}
