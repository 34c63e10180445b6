//! The `datahamn` binary: parses the command line, sets up logging and runs a command.

use clap::Parser;
use datahamn::config::{
    Cli, Command, ConvertArgs, IngestArgs, ReportFormat, ServeArgs, SourceArgs, TokenArgs, TokenCommand,
    ValidateArgs,
};
use datahamn::ingest::{self, CheckOptions, Report};
use datahamn::profile;
use datahamn::reference;
use datahamn::service::time as service_time;
use datahamn::service::{self, Mode, PublishOptions, ServiceError, Stage};
use std::io::IsTerminal;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// The process's allocator (feature `jemalloc`, on by default): jemalloc for Rust and, through
/// its unprefixed `malloc`, for RocksDB too. Under a public server's mix of requests glibc's
/// arenas keep what was freed and the resident size keeps growing; jemalloc's stays flat (see
/// `bench/soak/README.md`, "Memory").
#[cfg(feature = "jemalloc")]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Exit code for a file with errors.
const INVALID: u8 = 1;
/// Exit code for usage and environment errors.
const USAGE: u8 = 2;

fn main() -> ExitCode {
    // Log lines are appended to one buffer that a writer thread empties onto stderr every 50 ms
    // (at once past 256 KiB): under load, a request neither waits on stderr nor wakes a thread
    // for its access-log line, and no line is dropped. The guard writes what is left on exit.
    let (writer, _flush_on_exit) = datahamn::logging::BatchedStderr::start();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DATAHAMN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(writer)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    // Every profile is loaded and checked before a command runs: a server never starts with
    // some of its kinds missing.
    let profiles_dir = match &cli.command {
        Command::Serve(args) => args.profiles.profiles_dir.as_deref(),
        Command::Validate(args) => args.profiles.profiles_dir.as_deref(),
        Command::Ingest(args) => args.source.profiles.profiles_dir.as_deref(),
        Command::Convert(args) => args.source.profiles.profiles_dir.as_deref(),
        Command::Openapi(args) => args.profiles.profiles_dir.as_deref(),
        Command::Token(_) | Command::SparqlWorker(_) => None,
    };
    if let Err(e) = profile::init(profiles_dir) {
        eprintln!("datahamn: {e}");
        return ExitCode::from(USAGE);
    }
    let result = match cli.command {
        Command::Serve(args) => serve(&args),
        Command::Validate(args) => validate(&args),
        Command::Ingest(args) => ingest(&args),
        Command::Convert(args) => convert(&args),
        Command::Token(args) => token(&args),
        Command::SparqlWorker(args) => {
            datahamn::service::sparql::worker::worker_main(args.memory_mb).map_err(usage)
        }
        Command::Openapi(args) => {
            let text = datahamn::http::openapi::document_json();
            match args.output {
                Some(path) => {
                    std::fs::write(&path, text).map_err(|e| (USAGE, format!("{}: {e}", path.display())))
                }
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err((code, message)) => {
            if !message.is_empty() {
                eprintln!("datahamn: {message}");
            }
            ExitCode::from(code)
        }
    }
}

type CliResult = Result<(), (u8, String)>;

fn usage(message: impl Into<String>) -> (u8, String) {
    (USAGE, message.into())
}

fn print_report(report: &Report, format: ReportFormat) {
    match format {
        ReportFormat::Text => print!("{}", report.to_text()),
        ReportFormat::Json => println!("{}", serde_json::to_string_pretty(report).unwrap_or_default()),
    }
}

/// A file named on the command line, read as a stream (never whole into memory).
fn read_file(path: &std::path::Path) -> Result<ingest::Source<'_>, (u8, String)> {
    std::fs::File::open(path).map_err(|e| usage(format!("cannot read {}: {e}", path.display())))?;
    Ok(ingest::Source::File(path))
}

fn validate(args: &ValidateArgs) -> CliResult {
    let bytes = read_file(&args.file)?;
    let profile = datahamn::config::profile_id(&args.profile).map_err(usage)?;
    let default_municipality = match &args.org {
        Some(org) => Some(
            reference::organisation(org)
                .ok_or_else(|| usage(format!("unknown organisation `{org}`")))?
                .municipality_code
                .clone()
                .unwrap_or_default(),
        )
        .filter(|c| !c.is_empty()),
        None => None,
    };
    let checked = ingest::check(
        bytes,
        profile,
        &CheckOptions {
            default_municipality,
            crs: args.crs,
            limits: args.limits.limits(),
            sheet: args.sheet.clone(),
            ..CheckOptions::default()
        },
    );
    print_report(&checked.report, args.format);
    if checked.report.valid {
        Ok(())
    } else {
        Err((INVALID, String::new()))
    }
}

/// The file, organisation and profile a source names, checked.
fn resolve_source(
    source: &SourceArgs,
) -> Result<
    (
        ingest::Source<'_>,
        &'static reference::Organisation,
        &'static profile::Profile,
    ),
    (u8, String),
> {
    let bytes = read_file(&source.file)?;
    let organisation = reference::organisation(&source.org)
        .ok_or_else(|| usage(format!("unknown organisation `{}`", source.org)))?;
    let profile = datahamn::config::profile_id(&source.profile).map_err(usage)?;
    Ok((bytes, organisation, profile))
}

fn token(args: &TokenArgs) -> CliResult {
    use datahamn::auth::{Scope, Tokens, parse_lifetime};
    let tokens = Tokens::in_dir(&args.data_dir);
    match &args.command {
        TokenCommand::Create {
            org,
            admin,
            name,
            expires,
        } => {
            let scope = match (org, admin) {
                (_, true) => Scope::Admin,
                (Some(org), false) => {
                    if datahamn::reference::organisation(org).is_none() {
                        return Err(usage(format!(
                            "no organisation `{org}`: use a municipality code (1401 for Härryda) or a regional body's id"
                        )));
                    }
                    Scope::Organisation(org.clone())
                }
                (None, false) => return Err(usage("give --org CODE or --admin")),
            };
            if name.trim().is_empty() {
                return Err(usage("give the token a --name (who or what it is for)"));
            }
            let lifetime = match expires {
                Some(text) => Some(parse_lifetime(text).ok_or_else(|| {
                    usage(format!(
                        "--expires `{text}`: give a number and a unit, like 90d, 12h or 1y"
                    ))
                })?),
                None => None,
            };
            let (token, record) = tokens
                .create(scope, name.trim(), lifetime)
                .map_err(|e| usage(e.to_string()))?;
            println!("{token}");
            eprintln!(
                "token {} for {} ({}){}. Store it now: it is not shown again.",
                record.id,
                record.scope.label(),
                record.name,
                record
                    .expires
                    .map(|e| format!(", expires {}", service_time::rfc3339(e.max(0) as u64)))
                    .unwrap_or_default()
            );
            Ok(())
        }
        TokenCommand::List => {
            let now = service_time::now_secs();
            println!(
                "{:<10} {:<10} {:<22} {:<22} {:<10} name",
                "id", "scope", "created", "expires", "state"
            );
            for r in tokens.list().map_err(|e| usage(e.to_string()))? {
                let state = if r.revoked.is_some() {
                    "revoked"
                } else if r.is_active(now) {
                    "active"
                } else {
                    "expired"
                };
                println!(
                    "{:<10} {:<10} {:<22} {:<22} {:<10} {}",
                    r.id,
                    r.scope.label(),
                    service_time::rfc3339(r.created.max(0) as u64),
                    r.expires
                        .map(|e| service_time::rfc3339(e.max(0) as u64))
                        .unwrap_or_else(|| "never".into()),
                    state,
                    r.name
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            let record = tokens.revoke(id).map_err(|e| usage(e.to_string()))?;
            eprintln!("token {} ({}) revoked", record.id, record.name);
            Ok(())
        }
    }
}

fn ingest(args: &IngestArgs) -> CliResult {
    let source = &args.source;
    let (bytes, organisation, profile) = resolve_source(source)?;
    let mut platform = service::open_data_dir(
        &args.data_dir,
        &source.base_url,
        Mode::Publish,
        args.store.remote(),
    )
    .map_err(usage)?;
    platform.set_file_limits(source.limits.limits());
    let meta = match platform.dataset_meta(&source.dataset) {
        Some(meta) => {
            if meta.publisher != organisation.id || meta.profile != profile.id {
                return Err(usage(format!(
                    "dataset `{}` is published by {} with the profile {}; use those",
                    meta.id, meta.publisher, meta.profile
                )));
            }
            meta
        }
        None => service::publish::command_line_meta(&source.dataset, organisation, profile),
    };
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    });
    // `publishing` in the data directory marks a publish under way: written as the new version
    // starts to go into the store, removed once the publish has finished, so a process stopped
    // in between leaves it behind.
    let marker = args.data_dir.join("publishing");
    let progress = |stage: Stage| {
        if let Stage::Loading { .. } = stage {
            let _ = std::fs::write(&marker, format!("{} {}\n", source.dataset, std::process::id()));
        }
        if let Some(bar) = &bar {
            bar.set_message(match stage {
                Stage::Checking { bytes } => format!("checking {:.1} MB", bytes as f64 / 1e6),
                Stage::Loading { rows } => format!("mapping and loading {rows} rows"),
            });
        }
    };
    let options = PublishOptions {
        valid_rows_only: source.valid_rows_only,
        crs: source.crs,
        published_by: "command line".to_owned(),
        sheet: source.sheet.clone(),
    };
    let outcome = platform.publish_with(&meta, bytes, &options, &progress);
    let _ = std::fs::remove_file(&marker);
    if outcome.is_ok() {
        // A bulk load leaves overlapping files: compacted now, queries on the new version read
        // as few of them as possible from the first request on.
        if let Some(bar) = &bar {
            bar.set_message("compacting the store");
        }
        platform.compact().map_err(|e| usage(e.to_string()))?;
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    match outcome {
        Ok(published) => {
            print_report(&published.version.report, args.format);
            eprintln!(
                "published {} version {}: {} items ({} rows skipped)",
                published.dataset,
                published.version.number,
                published.version.item_count,
                published.version.skipped_row_count
            );
            Ok(())
        }
        Err(ServiceError::Invalid(report)) => {
            print_report(&report, args.format);
            Err((
                INVALID,
                "not published: the file has errors (add --valid-rows-only to publish the valid rows)".into(),
            ))
        }
        Err(e) => Err(usage(e.to_string())),
    }
}

fn convert(args: &ConvertArgs) -> CliResult {
    let source = &args.source;
    let (bytes, organisation, profile) = resolve_source(source)?;
    let options = CheckOptions {
        default_municipality: organisation.municipality_code.clone(),
        crs: source.crs,
        limits: source.limits.limits(),
        sheet: source.sheet.clone(),
        ..CheckOptions::default()
    };
    // The publish pipeline's two passes, with N-Quads as their sink instead of the store.
    let mut checked = match service::publish::check_file(bytes, profile, &options, source.valid_rows_only) {
        Ok(checked) => checked,
        Err(report) => {
            eprint!("{}", report.to_text());
            return Err((
                INVALID,
                "not converted: the file has errors (add --valid-rows-only to map the valid rows)".into(),
            ));
        }
    };
    let iris = datahamn::vocab::Iris::new(&source.base_url);
    let graph = iris.version(&source.dataset, 1);
    let context = datahamn::mapping::MapContext {
        iris: &iris,
        dataset: &source.dataset,
        graph: &graph,
    };
    let sink: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path)
                .map_err(|e| usage(format!("cannot write {}: {e}", path.display())))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = oxigraph::io::RdfSerializer::from_format(oxigraph::io::RdfFormat::NQuads)
        .for_writer(std::io::BufWriter::new(sink));
    let mut failure = None;
    service::publish::map_file(
        bytes,
        profile,
        &options,
        &mut checked,
        &context,
        &mut |_, quads| {
            if failure.is_some() {
                return;
            }
            for quad in &quads {
                if let Err(e) = writer.serialize_quad(quad) {
                    failure = Some(e);
                    return;
                }
            }
        },
    );
    if let Some(e) = failure {
        return Err(usage(format!("cannot write the N-Quads: {e}")));
    }
    writer.finish().map_err(|e| usage(e.to_string()))?;
    Ok(())
}

/// The settings `serve` applies to a platform before it serves, built once from its flags.
fn serving_settings(args: &ServeArgs) -> service::Settings {
    let sparql = service::sparql::SparqlLimits {
        timeout: Duration::from_secs_f64(args.sparql_timeout),
        max_rows: usize::try_from(args.sparql_max_rows).unwrap_or(usize::MAX),
        max_concurrent: usize::try_from(args.sparql_max_concurrent).unwrap_or(1),
        parse: service::sparql::bounds::ParseLimits {
            max_bytes: usize::try_from(args.sparql_max_query_bytes).unwrap_or(usize::MAX),
            max_nesting: usize::try_from(args.sparql_max_nesting).unwrap_or(usize::MAX),
            max_depth: usize::try_from(args.sparql_max_depth).unwrap_or(usize::MAX),
        },
    };
    // Queries of the embedded store run in worker processes: this executable, as
    // `sparql-worker`. Without a known executable they run in this process.
    let workers = std::env::current_exe()
        .ok()
        .map(|program| service::sparql::worker::WorkerSettings {
            program,
            memory_mb: args.sparql_memory_mb,
            snapshot_dir: args.data_dir.join("sparql-snapshots"),
        });
    let rates = service::rate_limit::RateLimits {
        anonymous: args.rate_limit,
        token: args.rate_limit_token,
    };
    let upload = usize::try_from(args.max_upload_mb * 1024 * 1024).unwrap_or(usize::MAX);
    let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
    let proxies = service::rate_limit::Proxies {
        trusted: args.trusted_proxies.clone(),
        header: args.client_ip_header,
    };
    let jobs = service::jobs::JobLimits {
        workers: size(args.upload_workers),
        queue: size(args.upload_queue),
    };
    let drafts = service::sessions::DraftLimits {
        per_organisation: size(args.max_drafts_per_org),
        total: size(args.max_drafts),
    };
    let streams = service::slots::StreamLimits {
        max_streams: size(args.max_dump_streams),
        stall_timeout: Duration::from_secs_f64(args.dump_stall_timeout),
    };
    service::Settings {
        sparql,
        sparql_workers: workers,
        rate_limits: rates,
        max_upload_bytes: upload,
        proxies,
        jobs,
        drafts,
        streams,
        file_limits: args.file_limits.limits(),
    }
}

/// `serve --replica-of`: the newest checkpoint, read-only, followed.
fn serve_replica(args: &ServeArgs, source: &std::path::Path) -> CliResult {
    if args.store.remote().is_some() {
        return Err(usage(
            "a replica serves the embedded store's checkpoints; readers of a remote engine are started with --store remote instead",
        ));
    }
    let replica = service::replica::Replica::open(
        source,
        &args.data_dir.join("replica"),
        args.base_url.as_deref(),
        serving_settings(args),
    )
    .map_err(usage)?;
    let serving = replica.serving();
    let base_url = replica.base_url();
    replica
        .follow(Duration::from_secs_f64(args.replica_poll))
        .map_err(|e| usage(e.to_string()))?;
    let listener = TcpListener::bind(args.listen)
        .map_err(|e| usage(format!("cannot listen on {}: {e}", args.listen)))?;
    tracing::info!(listen = %args.listen, base_url = %base_url, checkpoints = %source.display(), "serving a read-only replica");
    datahamn::http::warm_download_sizes(serving.clone()).map_err(|e| usage(e.to_string()))?;
    run_server(serving, listener)
}

/// Serves until SIGTERM or SIGINT. The server then stops accepting and waits for the requests
/// under way; SPARQL workers are killed at once, so their queries end (503) instead of running
/// on to their deadline.
fn run_server(serving: Arc<service::replica::Serving>, listener: TcpListener) -> CliResult {
    actix_web::rt::System::new()
        .block_on(async move {
            let server = datahamn::http::start_serving(serving.clone(), listener)?;
            use actix_web::rt::signal::unix::{SignalKind, signal};
            let mut term = signal(SignalKind::terminate())?;
            let mut interrupt = signal(SignalKind::interrupt())?;
            actix_web::rt::spawn(async move {
                futures_util::future::select(Box::pin(term.recv()), Box::pin(interrupt.recv())).await;
                tracing::info!("stopping: SPARQL workers ended");
                serving.current().sparql_shutdown();
            });
            server.await
        })
        .map_err(|e| usage(e.to_string()))
}

fn serve(args: &ServeArgs) -> CliResult {
    if let Some(source) = &args.replica_of {
        return serve_replica(args, source);
    }
    if args.checkpoint_dir.is_some() && args.store.remote().is_some() {
        return Err(usage(
            "checkpoints are of the embedded store; a remote engine replicates itself",
        ));
    }
    if args.read_only && args.store.remote().is_none() {
        return Err(usage(
            "--read-only is for readers of a remote store (--store remote); readers of the embedded store are replicas (--replica-of)",
        ));
    }
    let base_url = args.base_url();
    // A reader of a remote engine serves like a replica: it refuses writes and never writes to
    // the engine, nor repairs it.
    let mode = if args.read_only {
        Mode::Replica
    } else {
        Mode::Serve
    };
    let mut platform =
        service::open_data_dir(&args.data_dir, &base_url, mode, args.store.remote()).map_err(usage)?;
    platform.configure(&serving_settings(args));
    if !args.read_only && !platform.is_bootstrapped().map_err(|e| usage(e.to_string()))? {
        if args.datasets_dir.is_dir() {
            tracing::info!(dir = %args.datasets_dir.display(), "first start: publishing the datasets");
            let outcomes = platform
                .publish_directory(&args.datasets_dir)
                .map_err(|e| usage(e.to_string()))?;
            for outcome in outcomes {
                match outcome {
                    Ok(_) => {}
                    Err((path, ServiceError::AlreadyPublished(id))) => {
                        tracing::info!(dataset = %path.display(), "`{id}` is already in the store; kept as it is")
                    }
                    Err((path, ServiceError::Invalid(report))) => tracing::error!(
                        dataset = %path.display(),
                        "not published:\n{}",
                        report.to_text()
                    ),
                    Err((path, e)) => tracing::error!(dataset = %path.display(), error = %e, "not published"),
                }
            }
        } else {
            tracing::warn!(dir = %args.datasets_dir.display(), "no datasets directory; starting empty");
        }
    }
    let listener = TcpListener::bind(args.listen)
        .map_err(|e| usage(format!("cannot listen on {}: {e}", args.listen)))?;
    tracing::info!(listen = %args.listen, base_url = %base_url, read_only = args.read_only, "serving");
    let platform = Arc::new(platform);
    if let Some(dir) = &args.checkpoint_dir {
        service::replica::start_checkpoints(&platform, dir.clone())
            .map_err(|e| usage(format!("cannot write checkpoints into {}: {e}", dir.display())))?;
        tracing::info!(dir = %dir.display(), "writing checkpoints for read replicas");
    }
    let serving = Arc::new(service::replica::Serving::new(platform));
    datahamn::http::warm_download_sizes(serving.clone()).map_err(|e| usage(e.to_string()))?;
    run_server(serving, listener)
}
