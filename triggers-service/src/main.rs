//! `triggers-service`: serve the API, manage keys.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use triggers_keys::{KeyId, KeyRole, KeySpec};
use triggers_service::app::{self, App};
use triggers_service::config::{Backend, Config, ConfigArgs};

/// The Triggers API reference service.
#[derive(Debug, Parser)]
#[command(name = "triggers-service", version, about)]
struct Cli {
    #[command(flatten)]
    config: ConfigArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the HTTP API (first start: creates the data directory, the
    /// master key and an admin API key, printed once; on the aws backend,
    /// an admin key is printed once when the deployment has none).
    Serve,
    /// Manage API keys directly in the configured backend: the data
    /// directory, or with `--backend aws` the DynamoDB tables of `[aws]`
    /// (`TRIGGERS_AWS_TABLE_PREFIX`, `TRIGGERS_MASTER_KEY_SECRET_ID`, …): how
    /// the first admin key of an AWS deployment is made.
    #[command(subcommand)]
    Keys(KeysCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a key; its secrets are printed once.
    Create {
        /// A label.
        #[arg(long)]
        name: String,
        /// Owning account.
        #[arg(long, default_value = "acct_default")]
        account: String,
        /// Make it an admin key (may manage keys).
        #[arg(long)]
        admin: bool,
        /// Require v1-signed requests with this key.
        #[arg(long)]
        require_signature: bool,
    },
    /// List an account's keys (no secrets).
    List {
        /// Account.
        #[arg(long, default_value = "acct_default")]
        account: String,
    },
    /// Rotate a key: the new version's secrets are printed once; the old
    /// version stays valid for the transition.
    Rotate {
        /// Key id (`key_…`).
        key_id: String,
        /// Account.
        #[arg(long, default_value = "acct_default")]
        account: String,
        /// Transition in seconds (default 7 days; 0 = immediate).
        #[arg(long)]
        transition_seconds: Option<u64>,
    },
    /// Revoke a key and all its versions.
    Revoke {
        /// Key id.
        key_id: String,
        /// Account.
        #[arg(long, default_value = "acct_default")]
        account: String,
    },
    /// Convert pre-rotation key records into versioned keys (idempotent).
    Migrate {
        /// Report what would change, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(&cli.config) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&config.log)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve => {
            let listener = app::bind(&config).await?;
            let app = App::open(config).await?;
            if let Some(text) = app.bootstrap().await? {
                println!("{text}");
            }
            let addr = listener.local_addr()?;
            let config = &app.state.config;
            match config.backend {
                Backend::Sqlite => {
                    tracing::info!(%addr, data_dir = %config.data_dir.display(), "serving the Triggers API")
                }
                Backend::Aws => {
                    tracing::info!(%addr, prefix = %config.aws.table_prefix, "serving the Triggers API on the aws backend")
                }
            }
            eprintln!("triggers-service listening on http://{addr}");
            app::serve(app, listener, app::shutdown_signal()).await?;
            Ok(())
        }
        Command::Keys(cmd) => {
            let app = App::open(config).await?;
            let result = keys(&app, cmd).await;
            app.close().await;
            result
        }
    }
}

async fn keys(app: &App, cmd: KeysCommand) -> Result<(), Box<dyn std::error::Error>> {
    let keys = &app.state.keys;
    match cmd {
        KeysCommand::Create {
            name,
            account,
            admin,
            require_signature,
        } => {
            let new = keys
                .create(KeySpec {
                    account_id: account,
                    name,
                    role: if admin {
                        KeyRole::Admin
                    } else {
                        KeyRole::Standard
                    },
                    require_signature,
                })
                .await?;
            println!("key_id:         {}", new.key.key_id);
            println!("api_key:        {}", new.issued.api_key.expose());
            println!("signing_secret: {}", new.issued.signing_secret.as_str());
            println!("(shown once: store them now)");
        }
        KeysCommand::List { account } => {
            let mut after: Option<KeyId> = None;
            println!(
                "{:<22} {:<8} {:<9} {:<8} name",
                "key_id", "role", "status", "version"
            );
            loop {
                let page = keys.list(&account, after.as_ref(), 100).await?;
                for k in &page.keys {
                    println!(
                        "{:<22} {:<8} {:<9} {:<8} {}",
                        k.key_id.as_str(),
                        k.role.as_str(),
                        if k.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        },
                        k.current_version,
                        k.name
                    );
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
        }
        KeysCommand::Rotate {
            key_id,
            account,
            transition_seconds,
        } => {
            let id = KeyId::parse(&key_id)?;
            let r = keys.rotate(&account, &id, transition_seconds).await?;
            println!("key_id:         {}", r.key.key_id);
            println!("version:        {}", r.version.version);
            println!("api_key:        {}", r.issued.api_key.expose());
            println!("signing_secret: {}", r.issued.signing_secret.as_str());
            println!("(shown once: store them now)");
        }
        KeysCommand::Revoke { key_id, account } => {
            let id = KeyId::parse(&key_id)?;
            keys.revoke(&account, &id).await?;
            println!("revoked {id}");
        }
        KeysCommand::Migrate { dry_run } => {
            let r = app.migrate_legacy_keys(dry_run).await?;
            let verb = if r.dry_run {
                "would migrate"
            } else {
                "migrated"
            };
            if !r.legacy_table {
                println!("no legacy `api_key` table: nothing to migrate");
            } else {
                println!(
                    "scanned {} legacy keys: {verb} {}, scrubbed {}, already migrated {}, skipped {}",
                    r.scanned, r.migrated, r.scrubbed, r.already_migrated, r.skipped
                );
                if r.generated_secrets > 0 {
                    println!(
                        "{} keys had no signing secret: one was generated; rotate them to issue it",
                        r.generated_secrets
                    );
                }
                for a in &r.actions {
                    println!("  {}: {:?}", a.legacy_id, a.outcome);
                }
            }
        }
    }
    Ok(())
}
