//! The reclaim lab: runs the same work on every strategy and prints what each reclaimed.
//!
//! `cargo run --release` at the repository root runs the default comparison.

mod leak_check;

use std::process::ExitCode;

use clap::Parser;

/// Runs the same work on every reclamation strategy and reports what each one reclaimed.
#[derive(Debug, Parser)]
#[command(name = "reclaim-lab", version, about)]
struct Cli {
    /// Two-node cycles to build per strategy.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    cycles: u32,
    /// Acyclic objects to build per strategy.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(0..=10_000_000))]
    acyclic: u32,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rows = leak_check::run_all(cli.cycles as usize, cli.acyclic as usize);
    println!("{}", leak_check::table(&rows));
    println!(
        "Each strategy built {} two-node cycles and {} acyclic objects, dropped every handle, \
         then called collect(). Late and leaked are defined in docs/metrics.md.",
        cli.cycles, cli.acyclic
    );
    ExitCode::SUCCESS
}
