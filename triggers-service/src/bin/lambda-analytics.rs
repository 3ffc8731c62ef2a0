//! `triggers-lambda-analytics`: the analytics stream consumer as an AWS
//! Lambda function behind DynamoDB Streams event source mappings on the
//! events, attempts and dead-letters tables; folds them into
//! `<prefix>analytics`. Configured by `TRIGGERS_BACKEND=aws` and
//! `TRIGGERS_AWS_TABLE_PREFIX`; see `triggers_service::lambda::analytics`.

use std::process::ExitCode;

use triggers_service::lambda::analytics;

#[tokio::main]
async fn main() -> ExitCode {
    let consumer = match analytics::open_from_env().await {
        Ok(consumer) => consumer,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match analytics::run(consumer).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
