//! `triggers-lambda-worker`: webhook delivery as an AWS Lambda function
//! behind an SQS event source mapping on the delivery queue (with
//! `ReportBatchItemFailures`). Configured by the `TRIGGERS_*` environment
//! variables; see `triggers_service::lambda`.

use std::process::ExitCode;

use triggers_service::lambda::{self, worker};

#[tokio::main]
async fn main() -> ExitCode {
    let app = match lambda::open_from_env().await {
        Ok(app) => app,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    // On the aws backend the worker adopts each message into the SQS queue
    // the engine settles through (`Worker::for_app`).
    let worker = worker::Worker::for_app(&app, worker::WorkerOptions::default());
    match worker::run(worker).await {
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
