//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The repository root (`native/core/../..`).
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

/// The captures the agreement tests read: the damaged captures of the fixtures, and the
/// shared parser corpus and real captures when present (then `true` comes with them).
pub fn test_capture_files() -> (Vec<PathBuf>, bool) {
    let mut files = capture_files(&fixture("parser-corpus/damaged"));
    let mut shared = true;
    for sub in ["parser-corpus", "pcaps"] {
        match shared_data(sub) {
            Some(dir) => files.extend(capture_files(&dir)),
            None => shared = false,
        }
    }
    (files, shared)
}
