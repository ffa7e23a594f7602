//! N-API binding of flowhound-core. Converts types and errors; runs work off the JS thread.
#[macro_use]
extern crate napi_derive;

#[napi]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}
