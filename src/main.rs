//! reviewpack's entry point: run the CLI, map the result to an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    let result = reviewpack::cli::run(std::env::args_os());
    // An interrupted run exits 130 from its handler, whatever a writer met.
    reviewpack::atomic::wait_if_interrupted();
    match result {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("reviewpack: {err:#}");
            ExitCode::from(reviewpack::cli::exit_code_of(&err))
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
