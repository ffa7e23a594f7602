//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

/// The repository root (`native/synth/../..`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<repo>/../shared/data/<sub>`, or `$FLOWHOUND_SHARED_DATA/<sub>` when that is set (for
/// worktrees that do not sit beside `shared/`). `None`, with a message, when absent.
pub fn shared_data(sub: &str) -> Option<PathBuf> {
    let base = match std::env::var_os("FLOWHOUND_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/data"),
    };
    let dir = base.join(sub);
    if dir.is_dir() {
        Some(dir)
    } else {
        println!("skipping: {} is absent (set FLOWHOUND_SHARED_DATA to the shared data folder)", dir.display());
        None
    }
}

/// `<repo>/test/fixtures/<sub>`.
pub fn fixture(sub: &str) -> PathBuf {
    repo_root().join("test/fixtures").join(sub)
}
