//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root (`native/core/../..`).
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

/// `native/target/<name>`, for reports.
pub fn target_file(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target");
    std::fs::create_dir_all(&dir).expect("create native/target");
    dir.join(name)
}

/// Rows of a tab-separated file, without `#` comment lines and without the header line.
pub fn tsv_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// Every `.pcap`, `.pcapng` and `.cap` file under `dir`, recursively, sorted.
pub fn capture_files(dir: &std::path::Path) -> Vec<PathBuf> {
    fn walk(dir: &std::path::Path, found: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())).map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if matches!(path.extension().and_then(|ext| ext.to_str()), Some("pcap" | "pcapng" | "cap")) {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.sort();
    found
}

/// The damaged captures of the fixtures: what the agreement tests read everywhere.
pub fn fixture_capture_files() -> Vec<PathBuf> {
    capture_files(&fixture("parser-corpus/damaged"))
}

/// The shared parser corpus and real captures: what the agreement tests read with the shared
/// data folder (tests marked with `cfg_attr(not(shared_data), ignore)` only).
pub fn shared_capture_files() -> Vec<PathBuf> {
    let mut files = capture_files(&shared_data("parser-corpus"));
    files.extend(capture_files(&shared_data("pcaps")));
    files
}
