//! The `datahamn` binary: parses the command line, sets up logging and runs a command.

use clap::Parser;
use datahamn::config::{Cli, Command, ServeArgs};
use datahamn::service::Platform;
use datahamn::store::Store;
use std::net::TcpListener;
use std::process::ExitCode;
use std::sync::Arc;

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("DATAHAMN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(&args),
        Command::Openapi(args) => {
            let text = datahamn::http::openapi::document_json();
            match args.output {
                Some(path) => std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display())),
                None => {
                    print!("{text}");
                    Ok(())
                }
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("datahamn: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(args: &ServeArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.data_dir)
        .map_err(|e| format!("cannot create {}: {e}", args.data_dir.display()))?;
    let store_dir = args.data_dir.join("store");
    let store = Store::open(&store_dir)
        .map_err(|e| format!("cannot open the store in {}: {e}", store_dir.display()))?;
    let base_url = args.base_url();
    let platform = Platform::open(store, &base_url).map_err(|e| e.to_string())?;
    if platform.is_empty().map_err(|e| e.to_string())? {
        if args.datasets_dir.is_dir() {
            tracing::info!(dir = %args.datasets_dir.display(), "empty store: publishing the datasets");
            for outcome in platform
                .publish_directory(&args.datasets_dir)
                .map_err(|e| e.to_string())?
            {
                match outcome {
                    Ok(_) => {}
                    Err((path, datahamn::service::ServiceError::Invalid(report))) => tracing::error!(
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
    let listener =
        TcpListener::bind(args.listen).map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!(listen = %args.listen, base_url = %base_url, "serving");
    let platform = Arc::new(platform);
    actix_web::rt::System::new()
        .block_on(async move { datahamn::http::start(platform, listener)?.await })
        .map_err(|e| e.to_string())
}
