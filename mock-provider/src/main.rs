//! `mock-provider --host 127.0.0.1 --port 9099`: serves the mock LLM provider
//! until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use anyhow::Context;
use clap::Parser;
use mock_provider::{router, MockState};
use tracing_subscriber::EnvFilter;

/// OpenAI-compatible mock LLM provider (Groq / OpenRouter flavoured).
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "MOCK_PROVIDER_HOST", default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "MOCK_PROVIDER_PORT", default_value_t = 9099)]
    port: u16,
    /// The window, in milliseconds, of keys containing `rpm30` (30 requests each).
    #[arg(long, env = "MOCK_PACED_WINDOW_MS", default_value_t = 60_000)]
    paced_window_ms: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        // Logs go to stderr so stdout carries only the listening URL.
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind((args.host.as_str(), args.port))
        .await
        .with_context(|| format!("binding {}:{}", args.host, args.port))?;
    let addr: SocketAddr = listener.local_addr()?;
    announce(addr);
    let state = MockState::new();
    state.set_paced_window(std::time::Duration::from_millis(args.paced_window_ms));
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    tracing::info!("mock provider stopped");
    Ok(())
}

#[expect(
    clippy::print_stdout,
    reason = "scripts read the listening URL from stdout"
)]
fn announce(addr: SocketAddr) {
    println!("mock-provider listening on http://{addr}");
    tracing::info!(%addr, "mock provider listening");
}

/// Resolves on Ctrl-C or, on Unix, SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(%err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(%err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
