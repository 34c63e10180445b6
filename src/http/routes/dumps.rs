//! Dumps and downloads: whole datasets as files, streamed while they are written (no file is
//! kept, and memory stays flat).
//!
//! - every current quad of the platform, or of one dataset, as gzip-compressed N-Quads, read
//!   from a store snapshot;
//! - a dataset's current items in each format of the REST API (`/dumps/datasets/{id}.csv`,
//!   `.geojson`, `.json`, `.jsonld`): every item, written by the same renderers as the API's
//!   pages ([`crate::http::render`]) from the read model snapshot of the request.
//!
//! A dataset's files ([`crate::catalog::DOWNLOADS`]) are the downloads the DCAT catalogs list.
//! Their bytes are a function of the current version and the build, so each one's size, once
//! known (counted while it is first streamed, or computed for the catalog's `dcat:byteSize`),
//! is kept with the dataset's read model state and sent as `Content-Length`. Their entity tags
//! come from the store revision ([`crate::http::caching`]): a revalidation with `If-None-Match`
//! is answered `304` before anything is written.
//!
//! Each file is written on a thread of its own holding one of the platform's stream slots
//! ([`crate::service::slots`]): with every slot taken, a request is refused with 503 and
//! `Retry-After`. A client that takes no bytes for the stall timeout is dropped (its stream
//! ends unfinished) and its slot and thread are freed; a stream that ends unfinished for any
//! reason ends with an error, so the client never takes a cut file for a whole one.

use crate::catalog::{DOWNLOADS, Download, NQUADS_DUMP};
use crate::error::{ApiError, Code};
use crate::http::State;
use crate::http::crs::Axes;
use crate::http::render::{self, Format, Link};
use crate::mapping::ItemView;
use crate::profile;
use crate::service::slots::Slot;
use crate::service::{DatasetState, Platform, ServiceError};
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::{Method, header};
use actix_web::web::Bytes;
use actix_web::{HttpRequest, HttpResponse, web};
use std::io::Write;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

/// Bytes handed to the client at a time.
const CHUNK: usize = 64 * 1024;

/// A response body fed by a writer on a blocking thread, of a known size or not. When the
/// writer ends without having said the file is complete (an error, a stalled client, a panic),
/// the body ends with an error rather than as if the file were whole.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
    size: Option<u64>,
    complete: Arc<AtomicBool>,
    ended: bool,
}

impl MessageBody for ChannelBody {
    type Error = std::io::Error;

    fn size(&self) -> BodySize {
        self.size.map_or(BodySize::Stream, BodySize::Sized)
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        match this.rx.poll_recv(cx) {
            Poll::Ready(Some(chunk)) => Poll::Ready(Some(Ok(chunk))),
            Poll::Ready(None) => {
                this.ended = true;
                if this.complete.load(Ordering::Acquire) {
                    Poll::Ready(None)
                } else {
                    Poll::Ready(Some(Err(std::io::Error::other("the file was not written whole"))))
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

/// The writing end: buffers into chunks and sends them, counting the bytes; fails once the
/// client is gone, or has taken nothing for `stall` (a client that stops reading).
struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
    written: u64,
    stall: Duration,
}

/// The longest pause between two looks at a full channel.
const STALL_POLL: Duration = Duration::from_millis(50);

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let mut chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        let deadline = Instant::now() + self.stall;
        let mut pause = Duration::from_millis(1);
        loop {
            match self.tx.try_send(chunk) {
                Ok(()) => return Ok(()),
                Err(TrySendError::Closed(_)) => {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::BrokenPipe,
                        "the client went away",
                    ));
                }
                Err(TrySendError::Full(back)) => {
                    if Instant::now() >= deadline {
                        return Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            format!("the client took nothing for {} s", self.stall.as_secs_f64()),
                        ));
                    }
                    chunk = back;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(STALL_POLL);
                }
            }
        }
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        self.written += data.len() as u64;
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}

/// A writer that only counts.
#[derive(Default)]
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.0 += data.len() as u64;
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A file of `content_type` named `filename`, written by `write` on a thread of its own (which
/// holds `slot` until it ends) and streamed as it is written; `size`, when known, is its
/// `Content-Length`. `gzip`: the file is gzip-compressed already (no further content coding).
/// `done` gets the number of bytes once the whole file was written.
#[allow(clippy::too_many_arguments)]
fn stream(
    state: &State,
    slot: Slot,
    content_type: &str,
    filename: &str,
    gzip: bool,
    size: Option<u64>,
    write: impl FnOnce(&mut ChannelWriter) -> Result<(), ServiceError> + Send + 'static,
    done: impl FnOnce(u64) + Send + 'static,
) -> Result<HttpResponse, ApiError> {
    let (tx, rx) = mpsc::channel(8);
    let complete = Arc::new(AtomicBool::new(false));
    let finished = Arc::clone(&complete);
    let stall = state.streams().limits().stall_timeout;
    // Errors after the first byte cannot change the status: they end the stream with an error,
    // which the client sees as a broken download (and the log says why).
    std::thread::Builder::new()
        .name("datahamn-dump".into())
        .spawn(move || {
            let _slot = slot;
            let mut out = ChannelWriter {
                tx,
                buf: Vec::with_capacity(CHUNK),
                written: 0,
                stall,
            };
            let result = write(&mut out).and_then(|()| out.flush().map_err(ServiceError::from));
            match result {
                Ok(()) => {
                    finished.store(true, Ordering::Release);
                    done(out.written);
                }
                Err(e) => tracing::warn!(error = %e, "dump not completed"),
            }
        })
        .map_err(|e| ApiError::internal(&e))?;
    Ok(file_response(content_type, filename, gzip).body(ChannelBody {
        rx,
        size,
        complete,
        ended: false,
    }))
}

/// The headers of a file.
fn file_response(content_type: &str, filename: &str, gzip: bool) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.content_type(content_type).insert_header((
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{filename}\""),
    ));
    if gzip {
        res.insert_header((header::CONTENT_ENCODING, "identity"));
    }
    res
}

/// The dump of everything, gzip-compressed N-Quads.
fn everything(req: &HttpRequest, state: &State) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "A dump takes no parameters.")?;
    let slot = state.streams().take()?;
    let dump = state.dump(None)?;
    stream(
        state,
        slot,
        "application/gzip",
        "datahamn.nq.gz",
        true,
        None,
        move |out| dump.write(out),
        |_| (),
    )
}

/// The `Content-Type` of a download.
fn content_type(download: &Download) -> &'static str {
    match format_of(download) {
        _ if download.gzip => "application/gzip",
        Some(format) => format.content_type(),
        None => download.media_type,
    }
}

/// The REST API format a download is written in (none for the N-Quads dump).
fn format_of(download: &Download) -> Option<Format> {
    Format::REST.into_iter().find(|f| f.name() == download.extension)
}

/// What a JSON download says after its items.
#[derive(serde::Serialize)]
struct WholeDataset<'a> {
    dataset: &'a str,
    version: u64,
    issued: &'a str,
    total: usize,
}

/// Writes one of a dataset's downloads, whole, to `out`. Blocking.
fn write_download(
    platform: &Platform,
    dataset: &DatasetState,
    download: &Download,
    out: &mut impl Write,
) -> Result<(), ServiceError> {
    let record = &dataset.record;
    let items = &dataset.items;
    let id = record.meta.id.as_str();
    let version = record
        .current()
        .ok_or_else(|| ServiceError::DatasetNotFound(id.to_owned()))?;
    let entries = || items.entries.iter().map(|e| (&**e, None));
    let Some(format) = format_of(download) else {
        return platform.dump(Some(id))?.write(out);
    };
    match format {
        Format::Json => render::write_json_list(
            out,
            entries(),
            &WholeDataset {
                dataset: id,
                version: version.number,
                issued: &version.issued,
                total: items.len(),
            },
        )?,
        Format::GeoJson => {
            let base = platform.iris().base();
            let links = [
                Link::new(
                    format!("{base}{}", download.path(id)),
                    "self",
                    "application/geo+json",
                    "This file",
                ),
                Link::new(
                    format!("{base}/api/v1/datasets/{id}"),
                    "describedby",
                    "application/json",
                    "The dataset",
                ),
            ];
            let mut members = serde_json::Map::new();
            members.insert("links".into(), serde_json::json!(links));
            // The version's, so the file is the same whenever it is downloaded.
            members.insert("timeStamp".into(), serde_json::json!(version.issued));
            members.insert("numberMatched".into(), serde_json::json!(items.len()));
            members.insert("numberReturned".into(), serde_json::json!(items.len()));
            render::write_feature_collection(out, entries(), &members, &Axes::crs84())?;
        }
        Format::Csv => {
            render::write_csv(out, entries(), profile::get(&record.meta.profile), false)
                .map_err(|e| ServiceError::Io(e.into()))?;
        }
        Format::JsonLd => {
            let views: Vec<&ItemView> = items.entries.iter().map(|e| &e.view).collect();
            platform.write_items(&views, format.media_type(), out)?;
        }
    }
    Ok(())
}

/// The size of one of a dataset's downloads in bytes: known, or computed now (by writing it to
/// a counter) and kept. Blocking.
pub fn download_size(
    platform: &Platform,
    dataset: &DatasetState,
    download: &'static Download,
) -> Result<u64, ServiceError> {
    if let Some(size) = dataset.download_sizes.get(download.extension) {
        return Ok(size);
    }
    let mut counter = Counter::default();
    write_download(platform, dataset, download, &mut counter)?;
    dataset.download_sizes.insert(download.extension, counter.0);
    Ok(counter.0)
}

/// How often the size warmer looks for a new published state.
const WARM_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// Computes, on a thread of its own and one file at a time, the size of every download no
/// request has asked for yet, so the first catalog after a start or a publish finds every
/// `dcat:byteSize` known instead of writing each file to a counter while the harvester waits.
/// One pass per published state: a size that cannot be computed (a remote store that is down)
/// is logged once and left to the next publish, or to the catalog, which computes what is
/// missing itself (its answer is a function of the published version either way).
pub fn warm_sizes(serving: Arc<crate::service::replica::Serving>) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("download-sizes".into())
        .spawn(move || {
            // The state of the last pass, held weakly so a replaced state is freed.
            let mut warmed = std::sync::Weak::new();
            loop {
                let platform = serving.current();
                let model = platform.model();
                if !std::ptr::eq(warmed.as_ptr(), Arc::as_ptr(&model)) {
                    for dataset in model.datasets() {
                        for download in &DOWNLOADS {
                            if let Err(e) = download_size(&platform, dataset, download) {
                                tracing::warn!(error = %e, dataset = %dataset.record.meta.id, "no size for a download");
                            }
                        }
                    }
                    warmed = Arc::downgrade(&model);
                }
                drop(model);
                drop(platform);
                std::thread::sleep(WARM_EVERY);
            }
        })
        .map(drop)
}

/// One of a dataset's downloads: streamed, with its size when known (a `HEAD` computes it).
async fn serve_download(
    req: &HttpRequest,
    state: &State,
    id: &str,
    download: &'static Download,
) -> Result<HttpResponse, ApiError> {
    crate::http::params::none(req.query_string(), "A download takes no parameters.")?;
    let dataset = state.model().published(id)?.clone();
    // Refused before the first byte: once streaming, an error can only break the download.
    if dataset.record.current().is_none() {
        return Err(ApiError::new(
            Code::DatasetNotFound,
            format!("The dataset `{id}` has no published version yet, so there is nothing to download."),
        ));
    }
    let platform = state.clone().into_inner();
    let filename = format!("{id}.{}", download.extension);
    let content_type = content_type(download);
    if req.method() == Method::HEAD {
        // The headers only: the size, written to a counter once (in a slot when not known).
        let size = match dataset.download_sizes.get(download.extension) {
            Some(size) => size,
            None => {
                let slot = state.streams().take()?;
                web::block(move || {
                    let _slot = slot;
                    download_size(&platform, &dataset, download)
                })
                .await
                .map_err(|e| ApiError::internal(&e))??
            }
        };
        let (_tx, rx) = mpsc::channel(1);
        return Ok(
            file_response(content_type, &filename, download.gzip).body(ChannelBody {
                rx,
                size: Some(size),
                complete: Arc::new(AtomicBool::new(true)),
                ended: false,
            }),
        );
    }
    let slot = state.streams().take()?;
    let size = dataset.download_sizes.get(download.extension);
    let sizes = Arc::clone(&dataset.download_sizes);
    stream(
        state,
        slot,
        content_type,
        &filename,
        download.gzip,
        size,
        move |out| write_download(&platform, &dataset, download, out),
        move |written| match size {
            None => sizes.insert(download.extension, written),
            Some(size) if size != written => {
                tracing::error!(size, written, "a download's size changed within a version");
            }
            Some(_) => {}
        },
    )
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
    responses(
        (status = 200, description = "Gzip-compressed N-Quads", content_type = "application/gzip", body = Vec<u8>),
        (status = 503, description = "Every download slot is taken (`--max-dump-streams`): retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn get_all(req: HttpRequest, state: State) -> Result<HttpResponse, ApiError> {
    everything(&req, &state)
}

/// One dataset's current version, as N-Quads (gzip), in its version's graph.
///
/// The catalogs list it as a download of the dataset (`dcat:compressFormat` gzip). Sizes and
/// entity tags as for the dataset's other downloads.
#[utoipa::path(
    get,
    path = "/dumps/datasets/{id}.nq.gz",
    operation_id = "get_dump_dataset",
    tag = "dumps",
    params(("id" = String, Path, description = "The dataset id", example = "harryda-badplatser")),
    responses(
        (status = 200, description = "Gzip-compressed N-Quads", content_type = "application/gzip", body = Vec<u8>),
        (status = 304, description = "Not modified: the `If-None-Match` tag names the current version"),
        (status = 400, description = "A dump takes no parameters", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every download slot is taken (`--max-dump-streams`): retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn get_dataset(
    req: HttpRequest,
    state: State,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    serve_download(&req, &state, &id, &NQUADS_DUMP).await
}

/// The format of a download, as its file extension (the API's `format` value).
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum DownloadFormat {
    Csv,
    Geojson,
    Json,
    Jsonld,
}

/// One dataset's current items, every one of them, in a format of the REST API.
///
/// The whole current version as one file (what the DCAT catalogs list as the dataset's
/// downloads): `csv` (the API's CSV columns), `geojson` (a FeatureCollection, CRS84), `json`
/// (`{"items": [...], "total": n}`, each item as `/api/v1/items/{id}` gives it) or `jsonld`
/// (each item's RDF, as the SPARQL endpoint holds it). Streamed as it is written; no page size
/// applies (a file is as large as its dataset, whose source file `--max-upload-mb` bounds).
/// `Content-Length` is sent once the size is known (after the first download of the version, a
/// `HEAD`, or the catalog, which lists it as `dcat:byteSize`). The entity tag changes with
/// every publish, so `If-None-Match` answers `304` while the version is current.
#[utoipa::path(
    get,
    path = "/dumps/datasets/{id}.{format}",
    tag = "dumps",
    params(
        ("id" = String, Path, description = "The dataset id", example = "harryda-badplatser"),
        ("format" = DownloadFormat, Path, description = "The format: `csv`, `geojson`, `json` or `jsonld`", example = "csv"),
    ),
    responses(
        (status = 200, description = "Every current item of the dataset", content(
            (String = "text/csv"), (Object = "application/geo+json"),
            (Object = "application/json"), (Object = "application/ld+json"),
        )),
        (status = 304, description = "Not modified: the `If-None-Match` tag names the current version"),
        (status = 400, description = "A download takes no parameters", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dataset", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 503, description = "Every download slot is taken (`--max-dump-streams`): retry after `Retry-After` seconds", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
pub async fn get_download(
    req: HttpRequest,
    state: State,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, extension) = path.into_inner();
    let download = DOWNLOADS
        .iter()
        .find(|d| d.extension == extension && format_of(d).is_some())
        .ok_or_else(|| {
            ApiError::new(
                Code::NotFound,
                format!("No download is offered as `.{extension}`."),
            )
        })?;
    serve_download(&req, &state, &id, download).await
}
