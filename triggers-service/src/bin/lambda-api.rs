//! `triggers-lambda-api`: the Triggers API as an AWS Lambda function behind
//! API Gateway (HTTP API payload 2.0 or REST API payload 1.0). Configured by
//! the `TRIGGERS_*` environment variables; see `triggers_service::lambda`.

use std::process::ExitCode;

use triggers_service::lambda;

#[tokio::main]
async fn main() -> ExitCode {
    let app = match lambda::open_from_env().await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match lambda::api::run(app.state.clone()).await {
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
