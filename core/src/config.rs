//! Configuration from the environment (or `.env`); one place per variable.
use std::{net::SocketAddr, path::PathBuf, time::Duration};

use anyhow::{bail, Context};

use crate::providers::{OutboundPolicy, PriceTable, Provider};
use crate::vault::Secret;

/// The system AI configuration (the seed's `.env` variables).
#[derive(Clone, Debug)]
pub struct SystemAi {
    pub provider: Provider,
    pub api_key: Secret,
    pub model: String,
    pub base_url: String,
}

/// Per-provider settings: the base URL (`HIREKEY_{PREFIX}_BASE_URL`, else the table's) and the
/// model a personal key uses when its owner chose none (`HIREKEY_{PREFIX}_DEFAULT_MODEL`).
#[derive(Clone, Debug)]
pub struct ProviderSettings {
    base_urls: [Option<String>; Provider::ALL.len()],
    default_models: [String; Provider::ALL.len()],
}

impl ProviderSettings {
    fn from_lookup(var: &impl Fn(&str) -> Option<String>) -> Self {
        Self {
            base_urls: Provider::ALL.map(|p| {
                let spec = p.spec();
                spec.default_base_url.map(|default| {
                    var(&format!("HIREKEY_{}_BASE_URL", spec.env_prefix))
                        .unwrap_or_else(|| default.to_owned())
                })
            }),
            default_models: Provider::ALL.map(|p| {
                let spec = p.spec();
                var(&format!("HIREKEY_{}_DEFAULT_MODEL", spec.env_prefix))
                    .unwrap_or_else(|| spec.default_model.to_owned())
            }),
        }
    }

    /// The provider's base URL; `None` for a custom provider, whose users give their own.
    pub fn base_url(&self, provider: Provider) -> Option<&str> {
        self.base_urls[provider as usize].as_deref()
    }

    pub fn default_model(&self, provider: Provider) -> &str {
        &self.default_models[provider as usize]
    }
}

/// What an upload waits for its analysis beyond the provider timeout by default: room for the
/// key lookup, the database writes and a quick retry of a rate-limited call.
pub const ANALYSIS_WAIT_MARGIN: Duration = Duration::from_secs(5);

/// Who may create an account (`HIREKEY_REGISTRATION`). The first account is always free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Registration {
    /// After the first account, only with an invite from an admin.
    #[default]
    Invite,
    /// Anyone who reaches the server.
    Open,
}

impl Registration {
    fn parse(value: Option<&str>) -> anyhow::Result<Self> {
        match value.map(str::to_ascii_lowercase).as_deref() {
            None | Some("invite") => Ok(Self::Invite),
            Some("open") => Ok(Self::Open),
            Some(other) => bail!("HIREKEY_REGISTRATION must be `invite` or `open`, not `{other}`"),
        }
    }
}

/// Every setting Hirekey reads. Built by [`Config::from_env`] or, in tests, [`Config::from_lookup`].
#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    /// Base64 master key from `HIREKEY_MASTER_KEY`; otherwise `master.key` in the data directory.
    pub master_key: Option<Secret>,
    pub jwt_secret: Option<Secret>,
    pub site_addr: SocketAddr,
    pub site_root: String,
    pub providers: ProviderSettings,
    pub system_ai: Option<SystemAi>,
    pub require_personal_key: bool,
    pub max_upload_mb: u64,
    pub cookie_secure: bool,
    pub trust_proxy_headers: bool,
    pub system_key_calls_per_minute: u32,
    /// `HIREKEY_REGISTRATIONS_PER_ADDRESS`: sign-up attempts one client address may make in
    /// 15 minutes (30 unless set; at least 1). An office behind one address that signs up a
    /// whole team at once may need more.
    pub registrations_per_address: u32,
    pub provider_timeout: Duration,
    /// `HIREKEY_ANALYSIS_WAIT_SECS`: how long an upload or "Re-analyse" waits for its analysis
    /// before answering with the candidate still `pending` (the job goes on). Default: the
    /// provider timeout plus [`ANALYSIS_WAIT_MARGIN`].
    pub analysis_wait: Duration,
    /// `HIREKEY_RETENTION_SWEEP_SECS`: how often an instance looks for candidates its
    /// workspace's retention period has run out on (default 600).
    pub retention_sweep: Duration,
    /// `HIREKEY_ALLOWED_PROVIDER_HOSTS`: local model servers users may point a custom
    /// provider at.
    pub allowed_provider_hosts: OutboundPolicy,
    /// `HIREKEY_REGISTRATION`: invite-only (the default) or open sign-up.
    pub registration: Registration,
    /// `HIREKEY_PUBLIC_URL`: the origin users reach Hirekey at (`https://hirekey.example`), as
    /// `scheme://host[:port]`. Invite links are built from it and requests that change state
    /// must come from it; unset, both follow the request (see `http::auth::site_origin`).
    pub public_url: Option<String>,
    /// What models cost: the shipped table with `HIREKEY_PRICES_FILE` (JSON, validated here, so
    /// a bad entry stops start-up) laid over it.
    pub prices: PriceTable,
}

impl Config {
    /// Reads the process environment, after loading `.env` if there is one.
    #[allow(clippy::disallowed_methods)] // The one place the environment is read.
    pub fn from_env() -> anyhow::Result<Self> {
        let _ = dotenvy::dotenv();
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// `HIREKEY_NEW_MASTER_KEY`, the key `hirekey rotate-master-key` re-encrypts under, when set
    /// and not blank. Read only by that command, so it is not part of the configuration.
    #[allow(clippy::disallowed_methods)] // The one place the environment is read.
    pub fn new_master_key_text() -> Option<String> {
        std::env::var("HIREKEY_NEW_MASTER_KEY")
            .ok()
            .filter(|text| !text.trim().is_empty())
    }

    /// A path from the environment (`HIREKEY_EXTRACT_WORKER`; `PATH`, where the OCR tools are
    /// looked for; `TESSDATA_PREFIX`, passed on to Tesseract), as its raw value: a path need
    /// not be UTF-8. `None` when unset or empty.
    #[allow(clippy::disallowed_methods)] // The one place the environment is read.
    pub fn path_var(name: &str) -> Option<std::ffi::OsString> {
        std::env::var_os(name).filter(|p| !p.is_empty())
    }

    /// Builds the configuration from any variable source.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let flag = |name: &str| {
            var(name).is_some_and(|v| {
                matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
            })
        };
        let data_dir = PathBuf::from(var("HIREKEY_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = var("DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                data_dir.join("hirekey.db").display()
            )
        });
        let site_addr = var("LEPTOS_SITE_ADDR")
            .unwrap_or_else(|| "127.0.0.1:3000".into())
            .parse()
            .context("LEPTOS_SITE_ADDR must be host:port, e.g. 127.0.0.1:3000")?;
        let site_root = var("LEPTOS_SITE_ROOT").unwrap_or_else(|| "target/site".into());
        let providers = ProviderSettings::from_lookup(&var);
        let system_ai = system_ai(&var, &providers)?;
        let max_upload_mb = match var("HIREKEY_MAX_UPLOAD_MB") {
            Some(v) => v
                .parse()
                .context("HIREKEY_MAX_UPLOAD_MB must be a whole number of megabytes")?,
            None => 10,
        };
        let system_key_calls_per_minute = match var("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE") {
            Some(v) => v
                .parse()
                .context("HIREKEY_SYSTEM_KEY_CALLS_PER_MINUTE must be a number")?,
            None => 20,
        };
        let registrations_per_address =
            match var("HIREKEY_REGISTRATIONS_PER_ADDRESS") {
                Some(v) => v.parse::<u32>().ok().filter(|n| *n >= 1).context(
                    "HIREKEY_REGISTRATIONS_PER_ADDRESS must be a whole number, 1 or more",
                )?,
                None => 30,
            };
        let provider_timeout = match var("HIREKEY_PROVIDER_TIMEOUT_SECS") {
            Some(v) => Duration::from_secs_f64(
                v.parse()
                    .context("HIREKEY_PROVIDER_TIMEOUT_SECS must be a number of seconds")?,
            ),
            None => Duration::from_secs(60),
        };
        let analysis_wait = match var("HIREKEY_ANALYSIS_WAIT_SECS") {
            Some(v) => Duration::try_from_secs_f64(
                v.parse()
                    .context("HIREKEY_ANALYSIS_WAIT_SECS must be a number of seconds")?,
            )
            .context("HIREKEY_ANALYSIS_WAIT_SECS must be a number of seconds, 0 or more")?,
            None => provider_timeout.saturating_add(ANALYSIS_WAIT_MARGIN),
        };
        let retention_sweep = match var("HIREKEY_RETENTION_SWEEP_SECS") {
            Some(v) => Duration::try_from_secs_f64(
                v.parse()
                    .context("HIREKEY_RETENTION_SWEEP_SECS must be a number of seconds")?,
            )
            .ok()
            .filter(|d| !d.is_zero())
            .context("HIREKEY_RETENTION_SWEEP_SECS must be a number of seconds above 0")?,
            None => Duration::from_secs(600),
        };
        Ok(Self {
            data_dir,
            database_url,
            master_key: var("HIREKEY_MASTER_KEY").map(Secret::new),
            jwt_secret: var("HIREKEY_JWT_SECRET").map(Secret::new),
            site_addr,
            site_root,
            providers,
            system_ai,
            require_personal_key: flag("HIREKEY_REQUIRE_PERSONAL_KEY"),
            max_upload_mb,
            cookie_secure: flag("HIREKEY_COOKIE_SECURE"),
            trust_proxy_headers: flag("HIREKEY_TRUST_PROXY_HEADERS"),
            system_key_calls_per_minute,
            registrations_per_address,
            provider_timeout,
            analysis_wait,
            retention_sweep,
            allowed_provider_hosts: OutboundPolicy::parse(
                &var("HIREKEY_ALLOWED_PROVIDER_HOSTS").unwrap_or_default(),
            )?,
            registration: Registration::parse(var("HIREKEY_REGISTRATION").as_deref())?,
            public_url: var("HIREKEY_PUBLIC_URL")
                .map(|v| public_origin(&v))
                .transpose()?,
            prices: PriceTable::load(var("HIREKEY_PRICES_FILE").map(PathBuf::from).as_deref())?,
        })
    }

    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

/// `HIREKEY_PUBLIC_URL` as an origin (`https://hirekey.example`, default ports dropped): an
/// `http` or `https` URL with a host and nothing after it but `/`.
fn public_origin(value: &str) -> anyhow::Result<String> {
    let url = url::Url::parse(value).with_context(|| {
        format!("HIREKEY_PUBLIC_URL must be a URL such as https://hirekey.example, not `{value}`")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!("HIREKEY_PUBLIC_URL must be an http or https URL with a host, not `{value}`");
    }
    if url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        bail!("HIREKEY_PUBLIC_URL must be an origin only (scheme, host and port), not `{value}`: Hirekey is served at the root of its host");
    }
    Ok(url.origin().ascii_serialization())
}

/// The seed's system variables: `AI_PROVIDER`, then `{PROVIDER}_API_KEY`, `{PROVIDER}_MODEL` and
/// `{PROVIDER}_API_URL` (the full chat-completions URL, as in the seed's `.env`).
fn system_ai(
    var: &impl Fn(&str) -> Option<String>,
    providers: &ProviderSettings,
) -> anyhow::Result<Option<SystemAi>> {
    let provider = match var("AI_PROVIDER") {
        Some(p) => Provider::parse(&p).context("AI_PROVIDER")?,
        None => Provider::DEFAULT,
    };
    let prefix = provider.spec().env_prefix;
    let Some(api_key) = var(&format!("{prefix}_API_KEY")) else {
        return Ok(None);
    };
    let model =
        var(&format!("{prefix}_MODEL")).unwrap_or_else(|| provider.spec().system_model.to_owned());
    let base_url = match var(&format!("{prefix}_API_URL")) {
        Some(url) => url
            .trim_end_matches('/')
            .trim_end_matches("/chat/completions")
            .to_owned(),
        None => match providers.base_url(provider) {
            Some(u) => u.to_owned(),
            None => bail!("AI_PROVIDER=custom needs CUSTOM_API_URL"),
        },
    };
    Ok(Some(SystemAi {
        provider,
        api_key: Secret::new(api_key),
        model,
        base_url,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(value: Option<&str>) -> anyhow::Result<Registration> {
        Config::from_lookup(|name| {
            (name == "HIREKEY_REGISTRATION")
                .then(|| value.map(str::to_owned))
                .flatten()
        })
        .map(|c| c.registration)
    }

    #[test]
    fn the_public_url_is_an_origin() -> anyhow::Result<()> {
        assert_eq!(
            public_origin("https://Hirekey.Example/")?,
            "https://hirekey.example"
        );
        assert_eq!(
            public_origin("https://hirekey.example:443")?,
            "https://hirekey.example"
        );
        assert_eq!(
            public_origin("http://10.0.0.5:8080")?,
            "http://10.0.0.5:8080"
        );
        for bad in [
            "hirekey.example",
            "ftp://hirekey.example",
            "https://hirekey.example/app",
            "https://h.example/?x=1",
            "https://u:p@h.example",
        ] {
            assert!(public_origin(bad).is_err(), "{bad}");
        }
        Ok(())
    }

    #[test]
    fn sign_up_is_invite_only_unless_opened() -> anyhow::Result<()> {
        assert_eq!(registration(None)?, Registration::Invite);
        assert_eq!(registration(Some(""))?, Registration::Invite);
        assert_eq!(registration(Some("invite"))?, Registration::Invite);
        assert_eq!(registration(Some(" Open "))?, Registration::Open);
        assert!(registration(Some("anyone")).is_err());
        Ok(())
    }
}
