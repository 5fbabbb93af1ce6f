//! The `hirekey` binary: parse the command line and hand over to the CLI module.
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    server::cli::run().await
}
