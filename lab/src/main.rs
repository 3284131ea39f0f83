//! The reclaimer lab: runs the same work on every strategy and prints what each reclaimed.
//!
//! `cargo run --release` at the repository root runs the default comparison.

mod leak_check;

use std::process::ExitCode;

use clap::Parser;

/// Runs the same work on every reclamation strategy and reports what each one reclaimed.
#[derive(Debug, Parser)]
#[command(name = "reclaimer-lab", version, about)]
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Arguments built from the lab's own flags, numbers and noise.
    fn argument() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("--cycles".to_string()),
            Just("--acyclic".to_string()),
            Just("--help".to_string()),
            Just("--version".to_string()),
            Just("-h".to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[0-9]{0,25}",
            "--cycles=[0-9a-z-]{0,12}",
            any::<String>(),
        ]
    }

    proptest! {
        /// Any command line is parsed or rejected with an error, never a panic, and what is
        /// accepted is in range.
        #[test]
        fn any_command_line_is_parsed_or_rejected(args in prop::collection::vec(argument(), 0..6)) {
            let parsed = Cli::try_parse_from(std::iter::once("reclaimer-lab".to_string()).chain(args));
            if let Ok(cli) = parsed {
                prop_assert!(cli.cycles <= 10_000_000 && cli.acyclic <= 10_000_000);
            }
        }
    }

    #[test]
    fn out_of_range_and_malformed_counts_are_errors() {
        for bad in [
            ["--cycles", "10000001"],
            ["--cycles", "-1"],
            ["--acyclic", "x"],
        ] {
            let parsed = Cli::try_parse_from(std::iter::once("reclaimer-lab").chain(bad));
            assert!(parsed.is_err(), "{bad:?} was accepted");
        }
        let cli = Cli::try_parse_from(["reclaimer-lab"]).expect("no arguments are fine");
        assert_eq!((cli.cycles, cli.acyclic), (10_000, 10_000));
    }
}
