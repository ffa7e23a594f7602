//! Core errors → JavaScript errors. napi's async tasks can only reject with a status code, so
//! the message carries a JSON object with the stable code and location; src/errors.ts turns it
//! back into a FlowhoundError.

use flowhound_core::error::{ErrorCode, FlowhoundError};

/// The names of every error code the core reports (`ERR_…`), in the core's order: TypeScript's
/// list (src/error-codes.ts) is tested against them.
#[napi]
pub fn error_codes() -> Vec<String> {
    ErrorCode::ALL.iter().map(|code| code.as_str().to_string()).collect()
}

pub fn to_napi_error(error: &FlowhoundError) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, error_json(error))
}

pub fn error_json(error: &FlowhoundError) -> String {
    let mut json = String::with_capacity(128 + error.message.len());
    json.push_str("{\"code\":");
    push_json_string(&mut json, error.code.as_str());
    json.push_str(",\"message\":");
    push_json_string(&mut json, &error.message);
    let location = &error.location;
    if let Some(path) = &location.path {
        json.push_str(",\"path\":");
        push_json_string(&mut json, &path.to_string_lossy());
    }
    for (name, value) in [
        ("byteOffset", location.byte_offset),
        ("line", location.line),
        ("packetIndex", location.packet_index),
    ] {
        if let Some(value) = value {
            json.push_str(&format!(",\"{name}\":{value}"));
        }
    }
    json.push('}');
    json
}

fn push_json_string(json: &mut String, text: &str) {
    json.push('"');
    for ch in text.chars() {
        match ch {
            '"' => json.push_str("\\\""),
            '\\' => json.push_str("\\\\"),
            '\n' => json.push_str("\\n"),
            '\r' => json.push_str("\\r"),
            '\t' => json.push_str("\\t"),
            c if (c as u32) < 0x20 => json.push_str(&format!("\\u{:04x}", c as u32)),
            c => json.push(c),
        }
    }
    json.push('"');
}
