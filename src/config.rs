//! Command-line and environment configuration: one struct per command, each option with a flag,
//! a `DATAHAMN_*` environment variable and a default.

use crate::ingest::coords::Crs;
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
    /// Serve the REST API, SPARQL and the OpenAPI document over the embedded store (or a remote
    /// SPARQL engine). On first start with an empty store, publishes every dataset under the
    /// datasets directory.
    Serve(ServeArgs),
    /// Check a CSV file against a profile and print the report. Exit code 0 when the file can be
    /// published, 1 when it has errors, 2 for usage errors.
    Validate(ValidateArgs),
    /// Check a CSV file and publish it as a dataset's next version in the store a server uses.
    /// Same exit codes as `validate`.
    Ingest(IngestArgs),
    /// Map a CSV file to RDF (N-Quads, in the graph of the dataset's first version) without a
    /// store: for inspecting a mapping, or loading elsewhere. Same exit codes as `validate`.
    Convert(ConvertArgs),
    /// Print the OpenAPI document (or write it to a file).
    Openapi(OpenapiArgs),
    /// Manage stewards' access tokens: create (printed once, stored hashed), list, revoke.
    Token(TokenArgs),
    /// A SPARQL worker process, started by `serve` (framed jobs on stdin, answers on stdout).
    #[command(hide = true)]
    SparqlWorker(SparqlWorkerArgs),
}

#[derive(Debug, Clone, Args)]
pub struct SparqlWorkerArgs {
    /// The most memory the worker may take, in MiB.
    #[arg(long, default_value_t = 512, value_parser = clap::value_parser!(u64).range(16..))]
    pub memory_mb: u64,
}

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
    /// Directory of the store and other state (where `tokens.json` lives).
    #[arg(long, env = "DATAHAMN_DATA_DIR", default_value = "./var", global = true)]
    pub data_dir: PathBuf,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it (once: only its hash is kept).
    Create {
        /// The organisation it acts for: a municipality code (`1401`) or a regional body's id.
        #[arg(long, required_unless_present = "admin", conflicts_with = "admin")]
        org: Option<String>,
        /// A platform administrator's token: every organisation's datasets, and the audit log.
        #[arg(long)]
        admin: bool,
        /// Who or what it is for (`Anna Svensson, GIS`); shown in version histories and the
        /// audit log.
        #[arg(long)]
        name: String,
        /// How long it works: `90d`, `12h`, `1y`. Without it, until revoked.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never the tokens themselves).
    List,
    /// Revoke a token by its id (the 8 hex digits after `dh_`).
    Revoke {
        /// The token's id, or the whole token.
        id: String,
    },
}

/// The file and where it goes: shared by `ingest` and `convert`.
#[derive(Debug, Clone, Args)]
pub struct SourceArgs {
    /// The file: CSV or TSV, an .xlsx or .ods workbook, or GeoJSON (told by its content).
    pub file: PathBuf,
    /// The dataset id, e.g. harryda-badplatser.
    #[arg(long)]
    pub dataset: String,
    /// The publishing municipality's code (or organisation id).
    #[arg(long)]
    pub org: String,
    /// The profile's id (a shipped profile, or one of `--profiles-dir`).
    #[arg(long)]
    pub profile: String,
    /// The file's coordinate system, e.g. EPSG:3007; without it, it is told by magnitude.
    #[arg(long, value_parser = crs)]
    pub crs: Option<Crs>,
    /// Use the valid rows of a file with errors; the skipped rows are listed in the report.
    #[arg(long)]
    pub valid_rows_only: bool,
    /// The sheet of a workbook to read; without it, the first sheet with data.
    #[arg(long)]
    pub sheet: Option<String>,
    /// Public base URL items are minted under; must match the server's.
    #[arg(long, env = "DATAHAMN_BASE_URL", default_value = "http://127.0.0.1:8080")]
    pub base_url: String,
    #[command(flatten)]
    pub limits: FileLimitArgs,
    #[command(flatten)]
    pub profiles: ProfilesArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ConvertArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Write N-Quads here instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

/// Report formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
}

/// The bounds a file is checked within; past one, the file is refused with an error that names
/// the limit (an upload answers 422 `validation_failed`).
#[derive(Debug, Clone, Copy, Args)]
pub struct FileLimitArgs {
    /// The most cells in a file's header row or in any of its rows.
    #[arg(long, env = "DATAHAMN_MAX_COLUMNS", default_value_t = crate::ingest::DEFAULT_MAX_COLUMNS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_columns: u64,
    /// The most bytes (as UTF-8) in one cell of a file.
    #[arg(long, env = "DATAHAMN_MAX_CELL_BYTES", default_value_t = crate::ingest::DEFAULT_MAX_CELL_BYTES as u64, value_parser = clap::value_parser!(u64).range(1..=1_073_741_824))]
    pub max_cell_bytes: u64,
    /// The most data rows in a file.
    #[arg(long, env = "DATAHAMN_MAX_ROWS", default_value_t = crate::ingest::DEFAULT_MAX_ROWS, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_rows: u64,
    /// The most bytes an `.xlsx` or `.ods` workbook may unpack to (by the sizes its zip
    /// directory declares), checked before anything in it is unpacked.
    #[arg(long, env = "DATAHAMN_MAX_EXPANDED_BYTES", default_value_t = crate::ingest::DEFAULT_MAX_EXPANDED_BYTES, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_expanded_bytes: u64,
}

impl FileLimitArgs {
    pub fn limits(&self) -> crate::ingest::Limits {
        crate::ingest::Limits {
            max_columns: usize::try_from(self.max_columns).unwrap_or(usize::MAX),
            max_cell_bytes: usize::try_from(self.max_cell_bytes).unwrap_or(usize::MAX),
            max_rows: self.max_rows,
            max_expanded_bytes: self.max_expanded_bytes,
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ValidateArgs {
    /// The file: CSV or TSV, an .xlsx or .ods workbook, or GeoJSON (told by its content).
    pub file: PathBuf,
    /// The profile to check against (a shipped profile, or one of `--profiles-dir`).
    #[arg(long)]
    pub profile: String,
    /// The file's coordinate system, e.g. EPSG:3007; without it, it is told by magnitude.
    #[arg(long, value_parser = crs)]
    pub crs: Option<Crs>,
    /// Municipality code the rows belong to when the file has no municipality column.
    #[arg(long)]
    pub org: Option<String>,
    /// The sheet of a workbook to read; without it, the first sheet with data.
    #[arg(long)]
    pub sheet: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    #[command(flatten)]
    pub limits: FileLimitArgs,
    #[command(flatten)]
    pub profiles: ProfilesArgs,
}

#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Directory of the embedded store and other state.
    #[arg(long, env = "DATAHAMN_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
}

/// Where profiles come from besides the shipped ones: `serve`, `validate`, `ingest`, `convert`
/// and `openapi` take it.
#[derive(Debug, Clone, Default, Args)]
pub struct ProfilesArgs {
    /// A directory of profile files (`*.toml`, as `vocab/profiles/`): each adds a kind of data,
    /// or replaces the shipped profile with the same id. All are loaded and checked first; an
    /// invalid file stops the command with an error naming the file, the line and the field.
    #[arg(long, env = "DATAHAMN_PROFILES_DIR")]
    pub profiles_dir: Option<PathBuf>,
}

/// The profile with this id, among those loaded; an unknown id is an error listing them.
pub fn profile_id(s: &str) -> Result<&'static crate::profile::Profile, String> {
    crate::profile::get(s).ok_or_else(|| {
        format!(
            "unknown profile `{s}`; use one of: {}",
            crate::profile::all()
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

fn crs(s: &str) -> Result<Crs, String> {
    Crs::parse(s).ok_or_else(|| {
        "unsupported coordinate system; use EPSG:4326, EPSG:3006, EPSG:3007-3018 or EPSG:3021".to_owned()
    })
}

/// Which store holds the RDF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    /// oxigraph's RocksDB store in the data directory.
    Embedded,
    /// A SPARQL engine reached over HTTP (SPARQL 1.1 Protocol, Graph Store HTTP Protocol).
    Remote,
}

/// Where the RDF is kept: shared by `serve` and `ingest`.
#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// The store: `embedded` (in the data directory) or `remote` (a SPARQL engine at
    /// --sparql-url).
    #[arg(
        long = "store",
        env = "DATAHAMN_STORE",
        value_enum,
        default_value = "embedded"
    )]
    pub kind: StoreKind,
    /// Remote store: the engine's SPARQL query endpoint.
    #[arg(long, env = "DATAHAMN_SPARQL_URL", required_if_eq("kind", "remote"))]
    pub sparql_url: Option<String>,
    /// Remote store: the SPARQL update endpoint, when not the query endpoint.
    #[arg(long, env = "DATAHAMN_UPDATE_URL")]
    pub update_url: Option<String>,
    /// Remote store: the Graph Store HTTP Protocol endpoint, for bulk loads and graph reads
    /// (without it, INSERT DATA and CONSTRUCT).
    #[arg(long, env = "DATAHAMN_GSP_URL")]
    pub gsp_url: Option<String>,
    /// Remote store: user name, sent by HTTP Basic or Digest as the engine asks.
    #[arg(long, env = "DATAHAMN_STORE_USER")]
    pub store_user: Option<String>,
    /// Remote store: password (prefer the environment variable: a flag shows in `ps`).
    #[arg(long, env = "DATAHAMN_STORE_PASSWORD", hide_env_values = true)]
    pub store_password: Option<String>,
    /// Remote store: seconds to wait for the engine to start answering.
    #[arg(long, env = "DATAHAMN_STORE_TIMEOUT", default_value_t = 120.0, value_parser = positive_seconds)]
    pub store_timeout: f64,
}

impl StoreArgs {
    /// The remote engine's settings, or `None` for the embedded store.
    pub fn remote(&self) -> Option<crate::store::RemoteConfig> {
        if self.kind != StoreKind::Remote {
            return None;
        }
        Some(crate::store::RemoteConfig {
            query_url: self.sparql_url.clone().unwrap_or_default(),
            update_url: self.update_url.clone(),
            gsp_url: self.gsp_url.clone(),
            credentials: self.store_user.clone().map(|user| crate::store::Credentials {
                user,
                password: self.store_password.clone().unwrap_or_default(),
            }),
            timeout: std::time::Duration::from_secs_f64(self.store_timeout),
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "DATAHAMN_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Directory of the embedded store and other state (tokens, audit log, uploads).
    #[arg(long, env = "DATAHAMN_DATA_DIR", default_value = "./var")]
    pub data_dir: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Public base URL that item URIs are minted under; defaults to http://<listen address>.
    /// The first base URL a data directory is used with is recorded, and must be kept.
    #[arg(long, env = "DATAHAMN_BASE_URL")]
    pub base_url: Option<String>,
    /// Datasets to publish on first start (each a folder with dataset.toml and data.csv).
    #[arg(long, env = "DATAHAMN_DATASETS_DIR", default_value = "./datasets")]
    pub datasets_dir: PathBuf,
    #[command(flatten)]
    pub profiles: ProfilesArgs,
    /// SPARQL: seconds a query may run before it is stopped (answered with 503 query_timeout).
    #[arg(long, env = "DATAHAMN_SPARQL_TIMEOUT", default_value_t = 30.0, value_parser = positive_seconds)]
    pub sparql_timeout: f64,
    /// SPARQL: the most results (rows, or triples) in one answer; more are cut and the
    /// `Datahamn-Results-Truncated` header says so.
    #[arg(long, env = "DATAHAMN_SPARQL_MAX_ROWS", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub sparql_max_rows: u64,
    /// SPARQL: the most queries running at once; more are refused with 503 and Retry-After.
    #[arg(long, env = "DATAHAMN_SPARQL_MAX_CONCURRENT", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub sparql_max_concurrent: u64,
    /// SPARQL: the longest query text, in bytes; longer ones are refused with 400
    /// sparql_query_too_large.
    #[arg(long, env = "DATAHAMN_SPARQL_MAX_QUERY_BYTES", default_value_t = 131_072, value_parser = clap::value_parser!(u64).range(256..=1_048_576))]
    pub sparql_max_query_bytes: u64,
    /// SPARQL: how deep a query's brackets ({ ( [) may nest; deeper ones are refused with 400
    /// sparql_query_too_deep.
    #[arg(long, env = "DATAHAMN_SPARQL_MAX_NESTING", default_value_t = 64, value_parser = clap::value_parser!(u64).range(4..=1024))]
    pub sparql_max_nesting: u64,
    /// SPARQL: how deep a parsed query's algebra (operators, joins, unions, paths) may nest;
    /// deeper ones are refused with 400 sparql_query_too_deep.
    #[arg(long, env = "DATAHAMN_SPARQL_MAX_DEPTH", default_value_t = 256, value_parser = clap::value_parser!(u64).range(8..=4096))]
    pub sparql_max_depth: u64,
    /// SPARQL: the most memory one query's worker process may take, in MiB; a query that needs
    /// more is stopped and refused with 400 query_memory_exceeded.
    #[arg(long, env = "DATAHAMN_SPARQL_MEMORY_MB", default_value_t = 512, value_parser = clap::value_parser!(u64).range(64..=1_048_576))]
    pub sparql_memory_mb: u64,
    /// Requests per minute one client address may make without a token (0: no limit); over
    /// it, 429 with `Retry-After`.
    #[arg(long, env = "DATAHAMN_RATE_LIMIT", default_value_t = 1_200)]
    pub rate_limit: u32,
    /// Requests per minute for one steward's token (0: no limit).
    #[arg(long, env = "DATAHAMN_RATE_LIMIT_TOKEN", default_value_t = 12_000)]
    pub rate_limit_token: u32,
    /// Clients behind these reverse proxies are counted by the address the proxy forwards
    /// (see --client-ip-header), not by the proxy's: addresses or networks (`10.0.0.0/8`),
    /// comma separated or repeated. None by default: forwarding headers are ignored.
    #[arg(long = "trusted-proxy", env = "DATAHAMN_TRUSTED_PROXIES", value_delimiter = ',', value_parser = network)]
    pub trusted_proxies: Vec<crate::service::rate_limit::Network>,
    /// The header the trusted proxies name the client in: `x-forwarded-for` or `forwarded`
    /// (RFC 7239). Set it to the one your proxy writes: the other is passed through from clients.
    #[arg(
        long,
        env = "DATAHAMN_CLIENT_IP_HEADER",
        value_enum,
        default_value = "x-forwarded-for"
    )]
    pub client_ip_header: crate::service::rate_limit::ForwardedHeader,
    /// Uploads sent with `Prefer: respond-async` that run at once; more wait in the queue.
    #[arg(long, env = "DATAHAMN_UPLOAD_WORKERS", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..=64))]
    pub upload_workers: u64,
    /// Asynchronous uploads that may wait for a worker; past it, 503 with `Retry-After`.
    #[arg(long, env = "DATAHAMN_UPLOAD_QUEUE", default_value_t = 16, value_parser = clap::value_parser!(u64).range(0..=10_000))]
    pub upload_queue: u64,
    /// Files checked from the steward pages that may wait to be published, per organisation;
    /// past it, 429 with `Retry-After`.
    #[arg(long, env = "DATAHAMN_MAX_DRAFTS_PER_ORG", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub max_drafts_per_org: u64,
    /// Files checked from the steward pages that may wait to be published, on the whole
    /// platform; past it, 503 with `Retry-After`.
    #[arg(long, env = "DATAHAMN_MAX_DRAFTS", default_value_t = 200, value_parser = clap::value_parser!(u64).range(1..=100_000))]
    pub max_drafts: u64,
    /// Dumps and downloads written at once; more are refused with 503 and `Retry-After`.
    #[arg(long, env = "DATAHAMN_MAX_DUMP_STREAMS", default_value_t = 16, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub max_dump_streams: u64,
    /// Seconds a dump or download waits for a client that takes no bytes before dropping it
    /// (and freeing its stream).
    #[arg(long, env = "DATAHAMN_DUMP_STALL_TIMEOUT", default_value_t = 30.0, value_parser = positive_seconds)]
    pub dump_stall_timeout: f64,
    /// The largest file one upload may send, in megabytes.
    #[arg(long, env = "DATAHAMN_MAX_UPLOAD_MB", default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_upload_mb: u64,
    #[command(flatten)]
    pub file_limits: FileLimitArgs,
    /// Writer: keep a checkpoint of the embedded store in this directory, renewed after every
    /// change, for read replicas to serve (`--replica-of`).
    #[arg(long, env = "DATAHAMN_CHECKPOINT_DIR", conflicts_with = "replica_of")]
    pub checkpoint_dir: Option<PathBuf>,
    /// Replica: serve the newest checkpoint in this directory (a writer's `--checkpoint-dir`)
    /// read-only, and swap to each newer one. Copies go into the data directory.
    #[arg(long, env = "DATAHAMN_REPLICA_OF")]
    pub replica_of: Option<PathBuf>,
    /// Reader of a remote store (`--store remote`) that another datahamn process, the writer,
    /// publishes to: serve what is published, refuse every write with 405, and never write to
    /// or repair the engine (only the writer recovers after a crash).
    #[arg(long, env = "DATAHAMN_READ_ONLY", conflicts_with_all = ["replica_of", "checkpoint_dir"])]
    pub read_only: bool,
    /// Replica: seconds between looks for a newer checkpoint.
    #[arg(long, env = "DATAHAMN_REPLICA_POLL", default_value_t = 2.0, value_parser = positive_seconds)]
    pub replica_poll: f64,
}

fn network(s: &str) -> Result<crate::service::rate_limit::Network, String> {
    s.parse()
}

fn positive_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds between 0 and 86400")),
    }
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
    #[command(flatten)]
    pub profiles: ProfilesArgs,
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

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let cli = Cli::try_parse_from([
            "datahamn",
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8,::1",
            "--trusted-proxy",
            "192.0.2.7",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        assert_eq!(args.trusted_proxies.len(), 3);
        assert!(Cli::try_parse_from(["datahamn", "serve", "--trusted-proxy", "proxy.local"]).is_err());
        let Command::Serve(args) = Cli::try_parse_from(["datahamn", "serve"]).unwrap().command else {
            panic!()
        };
        assert!(args.trusted_proxies.is_empty(), "none by default");
    }

    #[test]
    fn a_remote_store_needs_its_endpoint() {
        assert!(Cli::try_parse_from(["datahamn", "serve", "--store", "remote"]).is_err());
        let cli = Cli::try_parse_from([
            "datahamn",
            "serve",
            "--store",
            "remote",
            "--sparql-url",
            "http://127.0.0.1:7878/query",
            "--update-url",
            "http://127.0.0.1:7878/update",
            "--store-user",
            "dba",
            "--store-password",
            "pw",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        let remote = args.store.remote().unwrap();
        assert_eq!(remote.query_url, "http://127.0.0.1:7878/query");
        assert_eq!(remote.update_url.as_deref(), Some("http://127.0.0.1:7878/update"));
        assert_eq!(remote.credentials.unwrap().password, "pw");
        let cli = Cli::try_parse_from(["datahamn", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!()
        };
        assert!(args.store.remote().is_none());
    }
}
