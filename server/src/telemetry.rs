//! Logging: `RUST_LOG` filters, default `info`. Nothing logged ever holds a key.
use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,hyper=warn"));
    let _ = fmt().with_env_filter(filter).with_target(false).try_init();
}
