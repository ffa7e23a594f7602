//! Time of the feature builder alone on a flow file, as `analyze` runs it (no flow columns,
//! repeated rows omitted), on one thread; and a digest of every window it emits, so that a
//! change meant to be faster can be checked to give the same windows, bit for bit.
//!
//! `cargo run --release -p flowhound-core --example features_bench FILE [UTC_OFFSET_MIN] [LAN]`
//!
//! What is timed: reading, parsing and the builder (`FlowSource::next_batch`, `FeatureBuilder::push`);
//! the digest is computed as each window comes, and its time is left out.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::{Duration, Instant};

use flowhound_core::cidr::Cidr;
use flowhound_core::features::{FeatureBuilder, FeatureOptions, Lan, WindowFeatures};
use flowhound_core::ingest::{FlowSource, FlowSourceOptions};

/// Every value of a window as the scorer sees it, features as bits.
fn digest(window: &WindowFeatures, hasher: &mut DefaultHasher) {
    window.window_start_us.hash(hasher);
    format!("{:?}", window.flow_classes).hash(hasher);
    window.flow_features.iter().map(|v| v.to_bits()).collect::<Vec<_>>().hash(hasher);
    window.repeated_rows_omitted.hash(hasher);
    window.flow_repeat_of.hash(hasher);
    window.flow_src_host.hash(hasher);
    window.flow_dst_host.hash(hasher);
    format!("{:?} {:?}", window.hosts, window.host_labels).hash(hasher);
    window.host_features.iter().map(|v| v.to_bits()).collect::<Vec<_>>().hash(hasher);
    format!("{:?}", window.host_evidence).hash(hasher);
    (window.flows_evicted_early, window.flow_rows_dropped, window.flows.len()).hash(hasher);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).expect("usage: features_bench FILE [UTC_OFFSET_MIN] [LAN]");
    let utc_offset_minutes: i32 = args.get(2).map_or(0, |text| text.parse().expect("minutes"));
    let lan = args.get(3).map_or_else(Lan::default, |text| Lan::new(vec![Cidr::parse(text).expect("a CIDR range")]));

    let mut source_options = FlowSourceOptions::default();
    source_options.flow_file.utc_offset_minutes = utc_offset_minutes;
    let mut source = FlowSource::open(Path::new(path), source_options).expect("an input");
    let options = FeatureOptions { lan, flow_records: false, omit_repeated_rows: true, ..FeatureOptions::default() };
    let mut builder = FeatureBuilder::new(options).expect("options");

    let started = Instant::now();
    let mut digest_time = Duration::ZERO;
    let mut hasher = DefaultHasher::new();
    let (mut batch, mut windows) = (Vec::new(), Vec::new());
    let mut more = true;
    while more {
        batch.clear();
        more = source.next_batch(16_384, &mut batch).expect("records");
        for record in batch.drain(..) {
            builder.push(record, &mut windows);
            if !windows.is_empty() {
                let digesting = Instant::now();
                windows.drain(..).for_each(|window| digest(&window, &mut hasher));
                digest_time += digesting.elapsed();
            }
        }
    }
    builder.finish(&mut windows);
    windows.drain(..).for_each(|window| digest(&window, &mut hasher));
    let elapsed = started.elapsed() - digest_time;
    let stats = builder.stats();
    println!(
        "{:.3} s  records {} windows {} flow rows {}  digest {:016x}",
        elapsed.as_secs_f64(),
        stats.records,
        stats.windows,
        stats.flow_rows,
        hasher.finish()
    );
}
