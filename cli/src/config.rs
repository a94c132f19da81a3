//! Validated configuration: the one conversion from parsed flags to values later code can trust.
//!
//! Owns every check on user input (folders exist, canister ids parse, identities load, the
//! network is known, mainnet deploys name a canister and an identity). Invariant: a `Config`
//! only exists when all of that held, so the commands never re-check or panic on input.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context as _};
use candid::Principal;
use ic_agent::identity::{BasicIdentity, Prime256v1Identity, Secp256k1Identity};
use ic_agent::Identity;

use crate::args::{Cli, Command, DeployArgs, LsArgs, NetworkArgs, ServeArgs, SyncArgs};
use crate::wasm::CanisterModule;

/// The boundary node URL agents use for mainnet.
const MAINNET_URL: &str = "https://icp-api.io";
/// Where `--network local` points: the port `serve`, `local-ic start` and dfx use.
const LOCAL_URL: &str = "http://127.0.0.1:4943";
/// The seed of the development identity used on local networks when no PEM is given.
/// Public on purpose: it only ever controls canisters on throw-away local replicas.
const LOCAL_DEVELOPMENT_SEED: [u8; 32] = *b"asset-canister local development";

/// What the user asked for, checked.
pub enum Config {
    /// `serve`.
    Serve(ServeConfig),
    /// `deploy`.
    Deploy(DeployConfig),
    /// `sync`.
    Sync(SyncConfig),
    /// `ls`.
    Ls(Target),
}

/// `serve`: a folder on a fresh embedded IC.
pub struct ServeConfig {
    pub dir: SiteDir,
    pub port: u16,
    pub watch: bool,
    pub module: CanisterModule,
}

/// `deploy`: install or upgrade, then sync.
pub struct DeployConfig {
    pub dir: SiteDir,
    pub network: Network,
    pub identity: Arc<dyn Identity>,
    /// `None` only on replicas that allow provisional creation (never mainnet).
    pub canister_id: Option<Principal>,
    pub module: CanisterModule,
}

/// `sync`: upload into an existing canister.
pub struct SyncConfig {
    pub dir: SiteDir,
    pub target: Target,
}

/// A canister on a network, reached as an identity.
pub struct Target {
    pub network: Network,
    pub identity: Arc<dyn Identity>,
    pub canister_id: Principal,
}

/// Which IC to talk to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Network {
    /// Mainnet: the root key is the one built into ic-agent.
    Mainnet,
    /// A local or test replica: its root key is fetched from `/api/v2/status`.
    Replica {
        /// Base URL of its HTTP API.
        url: String,
    },
}

impl Network {
    /// The URL agents send requests to.
    pub fn url(&self) -> &str {
        match self {
            Network::Mainnet => MAINNET_URL,
            Network::Replica { url } => url,
        }
    }

    fn parse(text: &str) -> anyhow::Result<Self> {
        match text {
            "ic" => Ok(Network::Mainnet),
            "local" => Ok(Network::Replica { url: LOCAL_URL.to_owned() }),
            url if url.starts_with("http://") || url.starts_with("https://") => {
                Ok(Network::Replica { url: url.trim_end_matches('/').to_owned() })
            }
            other => bail!("unknown network `{other}`: use `local`, `ic`, or a replica URL such as http://127.0.0.1:4943"),
        }
    }
}

/// A folder that existed and was a directory when the command started.
pub struct SiteDir(PathBuf);

impl SiteDir {
    fn check(path: &Path) -> anyhow::Result<Self> {
        let canonical = path
            .canonicalize()
            .with_context(|| format!("cannot open the folder to upload, {}: check the path", path.display()))?;
        if !canonical.is_dir() {
            bail!("{} is not a folder: pass the folder whose files should be served", path.display());
        }
        if canonical.file_name().is_some_and(|name| name.to_string_lossy().starts_with('.')) {
            bail!(
                "{} is a hidden folder: ic-asset skips everything under a name starting with `.`, so syncing it \
                 would upload nothing and delete every asset; rename it or copy its files to a visible folder",
                path.display()
            );
        }
        Ok(Self(canonical))
    }

    /// The canonical path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Config {
    /// Checks every flag; the only place user input is validated.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Self> {
        match cli.command {
            Command::Serve(ServeArgs { dir, port, watch, wasm }) => Ok(Config::Serve(ServeConfig {
                dir: SiteDir::check(&dir)?,
                port,
                watch,
                module: CanisterModule::load(wasm.as_deref())?,
            })),
            Command::Deploy(DeployArgs { dir, network, canister_id, wasm }) => {
                let dir = SiteDir::check(&dir)?;
                let (network, identity) = network_and_identity(&network)?;
                let canister_id = canister_id.as_deref().map(parse_canister_id).transpose()?;
                if network == Network::Mainnet && canister_id.is_none() {
                    bail!(
                        "deploying to `ic` needs --canister-id: creating a canister on mainnet costs cycles, so \
                         create it first (`dfx canister create --network ic <name>` or `icp canister create -e ic`) \
                         and pass its id"
                    );
                }
                let module = CanisterModule::load(wasm.as_deref())?;
                Ok(Config::Deploy(DeployConfig { dir, network, identity, canister_id, module }))
            }
            Command::Sync(SyncArgs { dir, network, canister_id }) => Ok(Config::Sync(SyncConfig {
                dir: SiteDir::check(&dir)?,
                target: target(&network, &canister_id)?,
            })),
            Command::Ls(LsArgs { network, canister_id }) => Ok(Config::Ls(target(&network, &canister_id)?)),
        }
    }
}

fn target(args: &NetworkArgs, canister_id: &str) -> anyhow::Result<Target> {
    let (network, identity) = network_and_identity(args)?;
    Ok(Target { network, identity, canister_id: parse_canister_id(canister_id)? })
}

fn parse_canister_id(text: &str) -> anyhow::Result<Principal> {
    Principal::from_text(text)
        .with_context(|| format!("`{text}` is not a canister id: expected the textual form, such as bkyz2-fmaaa-aaaaa-qaaaq-cai"))
}

fn network_and_identity(args: &NetworkArgs) -> anyhow::Result<(Network, Arc<dyn Identity>)> {
    let network = Network::parse(&args.network)?;
    let identity: Arc<dyn Identity> = match (&args.identity, &network) {
        (Some(pem), _) => load_identity(pem)?,
        (None, Network::Mainnet) => bail!(
            "the `ic` network needs --identity <PEM>: export one with `dfx identity export <name> > id.pem` \
             or `icp identity export <name> > id.pem`"
        ),
        (None, Network::Replica { .. }) => local_development_identity(),
    };
    Ok((network, identity))
}

/// The identity local networks use without `--identity`, so `serve`, `deploy` and `sync` on one
/// local replica all act as the same controller.
pub fn local_development_identity() -> Arc<dyn Identity> {
    Arc::new(BasicIdentity::from_raw_key(&LOCAL_DEVELOPMENT_SEED))
}

/// Reads a PEM identity in any of the key types dfx and icp-cli write.
fn load_identity(path: &Path) -> anyhow::Result<Arc<dyn Identity>> {
    let pem = std::fs::read(path).with_context(|| format!("cannot read the identity file {}", path.display()))?;
    if let Ok(identity) = BasicIdentity::from_pem(pem.as_slice()) {
        return Ok(Arc::new(identity));
    }
    if let Ok(identity) = Secp256k1Identity::from_pem(pem.as_slice()) {
        return Ok(Arc::new(identity));
    }
    match Prime256v1Identity::from_pem(pem.as_slice()) {
        Ok(identity) => Ok(Arc::new(identity)),
        Err(error) => bail!(
            "{} is not an Ed25519, secp256k1 or P-256 private key in PEM form ({error}); if it is encrypted, \
             export it unencrypted with `dfx identity export <name>`",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::Network;

    #[test]
    fn networks_parse() {
        assert_eq!(Network::parse("ic").unwrap(), Network::Mainnet);
        assert_eq!(Network::parse("local").unwrap().url(), "http://127.0.0.1:4943");
        assert_eq!(Network::parse("http://localhost:8080/").unwrap().url(), "http://localhost:8080");
        assert!(Network::parse("mainnet").is_err());
    }
}
