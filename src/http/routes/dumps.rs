//! Dumps: every current quad of the platform, or of one dataset, as gzip-compressed N-Quads,
//! streamed while the store is read (no file is written, and memory stays flat).

use crate::error::ApiError;
use crate::http::State;
use crate::service::ServiceError;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use std::io::Write;
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Bytes handed to the client at a time.
const CHUNK: usize = 64 * 1024;

/// A response body fed by a writer on a blocking thread.
struct ChannelBody(mpsc::Receiver<Result<Bytes, std::io::Error>>);

impl MessageBody for ChannelBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        self.get_mut().0.poll_recv(cx)
    }
}

/// The writing end: buffers into chunks and sends them; fails once the client is gone.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

async fn stream(
    req: HttpRequest,
    state: State,
    dataset: Option<String>,
    filename: String,
) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "A dump takes no parameters.")?;
    let dump = state.dump(dataset.as_deref())?;
    let (tx, rx) = mpsc::channel(8);
    // Errors after the first byte cannot change the status: they end the stream with an error,
    // which the client sees as a broken download (and the log says why).
    std::thread::Builder::new()
        .name("datahamn-dump".into())
        .spawn(move || {
            let mut out = ChannelWriter {
                tx: tx.clone(),
                buf: Vec::with_capacity(CHUNK),
            };
            let result = dump
                .write(&mut out)
                .and_then(|()| out.flush().map_err(ServiceError::from));
            if let Err(e) = result {
                tracing::warn!(error = %e, "dump not completed");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        })
        .map_err(|e| ApiError::internal(&e))?;
    Ok(HttpResponse::Ok()
        .content_type("application/gzip")
        // Already compressed: no further content coding.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .body(ChannelBody(rx)))
}

/// Everything: every dataset's current version and the catalog, as N-Quads (gzip).
///
/// Each quad carries its graph: a dataset version's (`{base}/dataset/{id}/version/{n}`) or the
/// catalog's. Streamed as the store is read.
#[utoipa::path(
    get,
    path = "/dumps/all.nq.gz",
    operation_id = "get_dump_all",
    tag = "dumps",
    responses((status = 200, description = "Gzip-compressed N-Quads", content_type = "application/gzip", body = Vec<u8>))
)]
pub async fn get_all(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    stream(req, state, None, "datahamn.nq.gz".into()).await
}

/// One dataset's current version, as N-Quads (gzip), in its version's graph.
#[utoipa::path(
    get,
    path = "/dumps/datasets/{id}.nq.gz",
    operation_id = "get_dump_dataset",
    tag = "dumps",
    params(("id" = String, Path, description = "The dataset id", example = "harryda-badplatser")),
    responses(
        (status = 200, description = "Gzip-compressed N-Quads", content_type = "application/gzip", body = Vec<u8>),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let file = format!("{id}.nq.gz");
    stream(req, state, Some(id), file).await
}
