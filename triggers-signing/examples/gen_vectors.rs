//! Writes the cross-language test vectors, `triggers-signing/vectors/v1.json`.
//!
//! ```sh
//! cargo run -p triggers-signing --example gen_vectors             # rewrite the file
//! cargo run -p triggers-signing --example gen_vectors -- --check  # exit 1 if it is stale
//! ```
//!
//! The case inputs are written by hand in `examples/vectors_gen/cases.rs`
//! (shared with the integration tests); every output is computed by this
//! crate, and checked against the hand-written expectations there. The file
//! format, including the `secrets` extension of rotation webhook cases, is
//! documented in that module and in `vectors/README.md`.

use std::process::ExitCode;

#[path = "vectors_gen/cases.rs"]
mod cases;

fn main() -> ExitCode {
    let mut check = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--check" => check = true,
            "-h" | "--help" => {
                println!("usage: gen_vectors [--check]");
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("gen_vectors: unknown argument {other:?}; usage: gen_vectors [--check]");
                return ExitCode::from(2);
            }
        }
    }

    let rendered = match cases::render() {
        Ok(text) => text,
        Err(e) => {
            eprintln!("gen_vectors: cannot build the vectors: {e}");
            return ExitCode::FAILURE;
        }
    };
    let path = cases::vectors_path();

    if check {
        return match std::fs::read_to_string(&path) {
            Ok(current) if current == rendered => {
                println!("{} is up to date", path.display());
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!(
                    "{} is stale: run `cargo run -p triggers-signing --example gen_vectors`",
                    path.display()
                );
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot read {}: {e}", path.display());
                ExitCode::FAILURE
            }
        };
    }

    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    if let Err(e) = std::fs::write(&path, &rendered) {
        eprintln!("cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} ({} request cases, {} invalid request cases, {} webhook cases)",
        path.display(),
        cases::request_inputs().len(),
        cases::invalid_inputs().len(),
        cases::webhook_inputs().len(),
    );
    ExitCode::SUCCESS
}
