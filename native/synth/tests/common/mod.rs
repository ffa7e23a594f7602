//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses its own subset

use std::path::PathBuf;

/// The repository root (`native/synth/../..`).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `<repo>/../shared/data/<sub>`, or `$FLOWHOUND_SHARED_DATA/<sub>` when that is set (for
/// worktrees that do not sit beside `shared/`).
///
/// Only for tests marked `#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/<sub>")]`:
/// without the folder they are reported as ignored (`native/core/build.rs` decides), and with
/// it a missing `<sub>` is a failure, never a quiet return.
pub fn shared_data(sub: &str) -> PathBuf {
    let base = match std::env::var_os("FLOWHOUND_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => repo_root().join("../shared/data"),
    };
    let dir = base.join(sub);
    assert!(
        dir.is_dir(),
        "{} is absent, though the shared data folder was there when the tests were built (touch native/core/build.rs to look again)",
        dir.display()
    );
    dir
}

/// `<repo>/test/fixtures/<sub>`.
pub fn fixture(sub: &str) -> PathBuf {
    repo_root().join("test/fixtures").join(sub)
}
