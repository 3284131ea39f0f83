//! Records, for `reclaimer::metrics::Environment`, the versions of the backend crates this build
//! resolved (read from the workspace's `Cargo.lock`) and the build profile. Anything it cannot
//! find is reported as "unknown"; the build never fails because of it.

use std::path::{Path, PathBuf};

/// The crates whose versions every result records, with the variable each goes into.
const CRATES: &[(&str, &str)] = &[
    ("arc-swap", "RECLAIMER_VERSION_ARC_SWAP"),
    ("crossbeam-epoch", "RECLAIMER_VERSION_CROSSBEAM_EPOCH"),
    ("seize", "RECLAIMER_VERSION_SEIZE"),
    ("haphazard", "RECLAIMER_VERSION_HAPHAZARD"),
    ("gc", "RECLAIMER_VERSION_GC"),
    ("dumpster", "RECLAIMER_VERSION_DUMPSTER"),
    ("tokio", "RECLAIMER_VERSION_TOKIO"),
    ("hdrhistogram", "RECLAIMER_VERSION_HDRHISTOGRAM"),
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let lock = find_lock();
    if let Some(path) = &lock {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    let text = lock
        .and_then(|path| std::fs::read_to_string(path).ok())
        .unwrap_or_default();
    for (name, var) in CRATES {
        let versions = versions_of(&text, name);
        let value = if versions.is_empty() {
            "unknown".to_string()
        } else {
            versions.join(",")
        };
        println!("cargo:rustc-env={var}={value}");
    }
    let profile = std::env::var("PROFILE").unwrap_or_else(|_| "unknown".into());
    let opt_level = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=RECLAIMER_BUILD_PROFILE={profile}");
    println!("cargo:rustc-env=RECLAIMER_BUILD_OPT_LEVEL={opt_level}");
}

/// The nearest `Cargo.lock` at or above the package directory.
fn find_lock() -> Option<PathBuf> {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let mut here: Option<&Path> = Some(&dir);
    while let Some(path) = here {
        let candidate = path.join("Cargo.lock");
        if candidate.is_file() {
            return Some(candidate);
        }
        here = path.parent();
    }
    None
}

/// Every version of package `name` listed in a `Cargo.lock` text.
fn versions_of(lock: &str, name: &str) -> Vec<String> {
    let wanted = format!("name = \"{name}\"");
    let mut versions = Vec::new();
    for block in lock.split("[[package]]") {
        let mut lines = block.lines().map(str::trim);
        if !lines.clone().any(|line| line == wanted) {
            continue;
        }
        if let Some(version) = lines.find_map(|line| line.strip_prefix("version = \"")) {
            versions.push(version.trim_end_matches('"').to_string());
        }
    }
    versions
}
