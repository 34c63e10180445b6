//! Command-line and environment configuration: one struct per command, each option with a flag,
//! a `DATAHAMN_*` environment variable and a default.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

/// datahamn: open data from Swedish municipalities, published from CSV as REST, SPARQL and DCAT.
#[derive(Debug, Parser)]
#[command(name = "datahamn", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the REST API, SPARQL and the OpenAPI document over the embedded store. On first
    /// start with an empty store, publishes every dataset under the datasets directory.
    Serve(ServeArgs),
    /// Print the OpenAPI document (or write it to a file).
    Openapi(OpenapiArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DATAHAMN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory of the embedded store and other state.
    #[arg(long, env = "DATAHAMN_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    /// Public base URL that item URIs are minted under; defaults to http://<listen address>.
    #[arg(long, env = "DATAHAMN_BASE_URL")]
    pub base_url: Option<String>,
    /// Datasets to publish on first start (each a folder with dataset.toml and data.csv).
    #[arg(long, env = "DATAHAMN_DATASETS_DIR", default_value = "./datasets")]
    pub datasets_dir: PathBuf,
}

impl ServeArgs {
    /// The base URL: the configured one, or `http://<listen address>`.
    pub fn base_url(&self) -> String {
        match &self.base_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.listen),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct OpenapiArgs {
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_defaults_to_the_listen_address() {
        let cli = Cli::try_parse_from(["datahamn", "serve", "--listen", "127.0.0.1:9999"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.base_url(), "http://127.0.0.1:9999");
        let cli =
            Cli::try_parse_from(["datahamn", "serve", "--base-url", "https://data.example.se/"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.base_url(), "https://data.example.se");
    }
}
