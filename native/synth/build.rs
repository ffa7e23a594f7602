// `cfg(shared_data)` for the tests, decided as for the core: see `native/core/build.rs`.

include!("../core/build.rs");
