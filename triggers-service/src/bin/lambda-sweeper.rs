//! `triggers-lambda-sweeper`: the webhook outbox sweeper as an AWS Lambda
//! function behind an EventBridge schedule (one pass per invocation: the
//! events whose inline fan-out in the API function failed). Configured by
//! the `TRIGGERS_*` environment variables, and `TRIGGERS_SWEEPER_GRACE_SECS`;
//! see `triggers_service::lambda::sweeper`.

use std::process::ExitCode;

use triggers_service::lambda::{self, sweeper};

#[tokio::main]
async fn main() -> ExitCode {
    // Settings first: a bad one stops the function before it reads the
    // master key.
    let options =
        match lambda::check_lambda_env().and_then(|()| sweeper::SweeperOptions::from_env()) {
            Ok(options) => options,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
    let app = match lambda::open_from_env().await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let sweeper = sweeper::Sweeper::for_app(&app, options);
    match sweeper::run(sweeper).await {
        Ok(()) => {
            app.close().await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
