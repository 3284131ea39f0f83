//! Ctrl-C: the lab stops at once with a one-line message and exit status 130, and writes no
//! report. While the report folder is being renamed into place the handler waits for it, so a
//! stop never leaves half a folder under the report's name.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Held while the report folder is written.
static WRITING: Mutex<()> = Mutex::new(());
/// Whether the report is in place.
static WRITTEN: AtomicBool = AtomicBool::new(false);

/// Installs the handler; a lab that cannot install one runs without it.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        let _wait = writing();
        // Relaxed: the mutex above orders it after the write.
        if WRITTEN.load(Ordering::Relaxed) {
            eprintln!("error: interrupted after the report was written");
        } else {
            eprintln!("error: interrupted: the run stopped and no report was written");
        }
        std::process::exit(130);
    });
}

/// Holds off the handler until the guard drops.
pub fn writing() -> MutexGuard<'static, ()> {
    WRITING.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The report is in place.
pub fn written() {
    // Relaxed: read under the same mutex.
    WRITTEN.store(true, Ordering::Relaxed);
}
