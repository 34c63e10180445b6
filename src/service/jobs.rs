//! Background jobs: work a client asked to run without waiting for it (an upload sent with
//! `Prefer: respond-async`), and what became of it.
//!
//! Owns the job table: each job's id (128 random bits), the organisation that may read it,
//! its state (queued, running, succeeded, failed) and, once finished, its result as the HTTP
//! status and JSON body the request would have answered. The work itself is a closure run on a
//! thread of its own; publishes still run one at a time under the platform's publishing lock.
//! Jobs live in memory: the table holds the last [`KEEP`] jobs for [`KEEP_FOR`], and is empty
//! after a restart (a publish that a restart interrupted left the version before it in place).

use crate::auth::Principal;
use serde::Serialize;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many jobs the table keeps.
pub const KEEP: usize = 1_000;
/// How long a finished job stays readable.
pub const KEEP_FOR: Duration = Duration::from_secs(24 * 3_600);

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// What a finished job answered: the status and body its request would have had.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JobResult {
    /// The HTTP status the request would have answered (201 published, 422 refused, ...).
    pub status: u16,
    /// The body it would have answered: the upload answer, or a problem document.
    #[schema(value_type = Object)]
    pub body: serde_json::Value,
}

/// A job as its owner sees it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: String,
    pub status: JobStatus,
    /// What the job does (`publish`, `dry_run`).
    pub action: String,
    pub dataset: String,
    /// The name of the token that started it.
    pub started_by: String,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Present once the job has finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<JobResult>,
}

struct Job {
    view: Mutex<JobView>,
    publisher: String,
    finished_at: Mutex<Option<Instant>>,
}

impl Job {
    fn update(&self, change: impl FnOnce(&mut JobView)) {
        change(&mut self.view.lock().unwrap_or_else(PoisonError::into_inner));
    }
}

/// The table of jobs.
#[derive(Default)]
pub struct Jobs {
    table: Mutex<VecDeque<Arc<Job>>>,
}

/// Why a job cannot be shown.
#[derive(Debug, PartialEq, Eq)]
pub enum JobError {
    NotFound,
    /// Another organisation's job.
    Forbidden,
}

impl Jobs {
    /// Starts `work` on a thread of its own and returns the job as it stands (queued).
    /// `publisher` is the organisation whose dataset the job changes: its tokens (and
    /// administrators) may read the job.
    pub fn spawn(
        &self,
        principal: &Principal,
        publisher: &str,
        action: &str,
        dataset: &str,
        work: impl FnOnce() -> JobResult + Send + 'static,
    ) -> std::io::Result<JobView> {
        let view = JobView {
            id: crate::text::random_hex(16)?,
            status: JobStatus::Queued,
            action: action.to_owned(),
            dataset: dataset.to_owned(),
            started_by: principal.token_name.clone(),
            created: super::time::now_rfc3339(),
            started: None,
            finished: None,
            result: None,
        };
        let job = Arc::new(Job {
            view: Mutex::new(view.clone()),
            publisher: publisher.to_owned(),
            finished_at: Mutex::new(None),
        });
        {
            let mut table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
            prune(&mut table, Instant::now());
            table.push_back(job.clone());
        }
        std::thread::Builder::new()
            .name(format!("job-{}", &view.id[..8]))
            .spawn(move || {
                job.update(|v| {
                    v.status = JobStatus::Running;
                    v.started = Some(super::time::now_rfc3339());
                });
                let result = work();
                job.update(|v| {
                    v.status = if result.status < 400 {
                        JobStatus::Succeeded
                    } else {
                        JobStatus::Failed
                    };
                    v.finished = Some(super::time::now_rfc3339());
                    v.result = Some(result);
                });
                *job.finished_at.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now());
            })?;
        Ok(view)
    }

    /// A job, for a token that may read it: one of the organisation whose dataset it
    /// changes, or an administrator's.
    pub fn get(&self, principal: &Principal, id: &str) -> Result<JobView, JobError> {
        let table = self.table.lock().unwrap_or_else(PoisonError::into_inner);
        let job = table
            .iter()
            .find(|j| j.view.lock().unwrap_or_else(PoisonError::into_inner).id == id)
            .ok_or(JobError::NotFound)?;
        if !principal.scope.may_write(&job.publisher) {
            return Err(JobError::Forbidden);
        }
        Ok(job.view.lock().unwrap_or_else(PoisonError::into_inner).clone())
    }
}

/// Drops jobs finished longer ago than [`KEEP_FOR`], then the oldest finished ones past [`KEEP`].
fn prune(table: &mut VecDeque<Arc<Job>>, now: Instant) {
    let finished_at = |j: &Arc<Job>| *j.finished_at.lock().unwrap_or_else(PoisonError::into_inner);
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

    fn wait(jobs: &Jobs, who: &Principal, id: &str) -> JobView {
        for _ in 0..500 {
            let view = jobs.get(who, id).unwrap();
            if view.result.is_some() {
                return view;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("job {id} did not finish");
    }

    #[test]
    fn a_job_runs_and_only_its_organisation_reads_it() {
        let jobs = Jobs::default();
        let owner = principal(Scope::Organisation("1401".into()));
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let job = jobs
            .spawn(&owner, "1401", "publish", "badplatser", move || {
                rx.recv().ok();
                JobResult {
                    status: 201,
                    body: serde_json::json!({"outcome": "published"}),
                }
            })
            .unwrap();
        assert_eq!(job.status, JobStatus::Queued);
        assert_eq!(job.id.len(), 32);
        let foreign = principal(Scope::Organisation("1480".into()));
        assert_eq!(jobs.get(&foreign, &job.id).unwrap_err(), JobError::Forbidden);
        assert_eq!(jobs.get(&owner, "0123").unwrap_err(), JobError::NotFound);
        assert!(jobs.get(&owner, &job.id).unwrap().result.is_none());
        tx.send(()).unwrap();
        let done = wait(&jobs, &owner, &job.id);
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.result.unwrap().status, 201);
        assert!(done.finished.is_some());
        let admin = principal(Scope::Admin);
        assert_eq!(jobs.get(&admin, &job.id).unwrap().status, JobStatus::Succeeded);
    }

    #[test]
    fn a_refused_job_failed() {
        let jobs = Jobs::default();
        let owner = principal(Scope::Organisation("1401".into()));
        let job = jobs
            .spawn(&owner, "1401", "publish", "badplatser", || JobResult {
                status: 422,
                body: serde_json::json!({"code": "validation_failed"}),
            })
            .unwrap();
        assert_eq!(wait(&jobs, &owner, &job.id).status, JobStatus::Failed);
    }
}
