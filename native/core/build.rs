// Tells the tests whether the project's shared data folder is there: `cfg(shared_data)` when
// `$FLOWHOUND_SHARED_DATA`, or else `<repo>/../shared/data`, is a directory.
//
// A test that needs the folder carries
// `#[cfg_attr(not(shared_data), ignore = "needs ../shared/data/…")]`, so that without it
// cargo reports the test as ignored, with its reason, in every summary: a skip is never a
// silent pass. When the folder is there the test runs, and fails if what it needs is missing.
// Nothing outside tests reads the cfg.
//
// The answer is kept until the folder changes, `FLOWHOUND_SHARED_DATA` changes, or this file
// changes. A clone without the folder does not watch for it to appear (cargo would rebuild
// the crate on every run): after adding it, `touch native/core/build.rs`.
//
// `native/synth/build.rs` includes this file.

use std::path::PathBuf;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(shared_data)");
    println!("cargo::rerun-if-env-changed=FLOWHOUND_SHARED_DATA");
    println!("cargo::rerun-if-changed=build.rs");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let data = match std::env::var_os("FLOWHOUND_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => manifest_dir.join("../../../shared/data"),
    };
    if data.is_dir() {
        println!("cargo::rustc-cfg=shared_data");
        // Removed or replaced, it is looked at again.
        println!("cargo::rerun-if-changed={}", data.display());
    }
}
