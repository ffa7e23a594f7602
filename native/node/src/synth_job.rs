//! `SynthJob`: captures written by the core's synthesis, on libuv's thread pool: rebuilt from
//! a flow file's records, generated as benchmark traffic, or a seeded SYN flood. Progress is read through
//! atomics while the job runs; `cancel` stops it between batches.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::flowfile::FlowFileOptions;
use flowhound_core::cidr::Cidr;
use flowhound_synth::flood::{syn_flood, SynFloodOptions};
use flowhound_synth::from_records::{synthesize_flow_file, RecordSynthOptions};
use flowhound_synth::generator::{generate_with_progress, GeneratorOptions, GeneratorProgress};
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};

use crate::errors::to_napi_error;

#[napi(object)]
#[derive(Default, Clone)]
pub struct SynthRecordsOptions {
    /// Labels sidecar to write (CSV: flow key and time → label); none when absent.
    pub labels_path: Option<String>,
    /// Bytes of each packet kept in the capture (default 96).
    pub snaplen: Option<u32>,
    /// Keep records starting at or after this time, µs since the epoch.
    pub from_us: Option<f64>,
    /// Keep records starting before this time, µs since the epoch.
    pub to_us: Option<f64>,
    /// Keep records with an end in one of these CIDR ranges.
    pub hosts: Option<Vec<String>>,
    pub seed: Option<u32>,
    /// The flow file's calendar times are local at this offset from UTC (CTU-13: 120).
    pub utc_offset_minutes: Option<i32>,
    /// Skip unreadable rows of the flow file (counted) instead of stopping.
    pub keep_going: Option<bool>,
}

#[napi(object)]
#[derive(Clone)]
pub struct GenerateOptions {
    /// Size of the capture file to write, in bytes; none for no size limit.
    pub target_bytes: Option<f64>,
    /// Capture time to write from the first packet, µs; none for no time limit. With both,
    /// the first reached ends the capture; one of them is needed.
    pub max_duration_us: Option<f64>,
    pub seed: Option<u32>,
    /// LAN hosts (default 500).
    pub lan_hosts: Option<u32>,
    pub snaplen: Option<u32>,
    /// Capture time of the first packet, µs since the epoch (default 2023-11-14T22:13:20Z).
    pub start_us: Option<f64>,
    /// Include bot behaviours (spam, beacons, floods, scans) (default true).
    pub bots: Option<bool>,
}

/// A SYN flood (`flowhound_synth::flood`); the defaults are issue 15's: 5 M SYNs from
/// 192.168.10.66 with random source ports to 65,536 addresses × 8 ports over 600 s, among 50
/// clean hosts of 192.168.0.0/16.
#[napi(object)]
#[derive(Clone, Default)]
pub struct SynFloodJsOptions {
    pub seed: Option<u32>,
    pub syns: Option<f64>,
    pub duration_seconds: Option<f64>,
    pub target_addresses: Option<u32>,
    pub background_hosts: Option<u32>,
}

#[napi(object)]
#[derive(Default)]
pub struct SynthSummary {
    pub packets_written: f64,
    pub file_bytes: f64,
    pub wire_bytes: f64,
    /// Capture time of the first and the last packet, µs; NaN when no packet was written.
    pub first_packet_us: f64,
    pub last_packet_us: f64,
    /// Records: read, rebuilt, skipped (any reason), made as near as possible.
    pub records_in: f64,
    pub records_synthesized: f64,
    pub records_skipped: f64,
    pub skipped_not_ip: f64,
    pub skipped_time_range: f64,
    pub skipped_hosts: f64,
    pub skipped_out_of_order: f64,
    pub records_inexact: f64,
    pub rows_skipped: f64,
    /// Generator: flows made, and the bot hosts (ground truth).
    pub flows: f64,
    pub infected_hosts: Vec<String>,
    /// True when `cancel` stopped the job early; the capture holds what was written.
    pub cancelled: bool,
}

#[derive(Default)]
struct SharedProgress {
    bytes_consumed: AtomicU64,
    total_bytes: AtomicU64,
    records: AtomicU64,
    packets: AtomicU64,
    capture_us: AtomicU64,
    total_capture_us: AtomicU64,
    cancelled: AtomicBool,
}

#[napi(object)]
pub struct SynthProgress {
    /// Input bytes read (flow file) or output bytes written (generator).
    pub bytes_done: f64,
    /// Their total when known, else 0.
    pub total_bytes: f64,
    pub records: f64,
    pub packets: f64,
    /// Generator: capture time written so far (last packet − first), µs.
    pub capture_us: f64,
    /// Generator: the capture time asked for, µs, or 0 when none was.
    pub total_capture_us: f64,
}

#[derive(Clone)]
enum SynthWork {
    Records { flows: PathBuf, out: PathBuf, labels: Option<PathBuf>, flow_file: FlowFileOptions, options: RecordSynthOptions },
    Generate { out: PathBuf, options: GeneratorOptions },
    Flood { out: PathBuf, options: SynFloodOptions },
}

#[napi]
pub struct SynthJob {
    work: Mutex<Option<SynthWork>>,
    shared: Arc<SharedProgress>,
}

fn bad_option(message: String) -> napi::Error {
    to_napi_error(&FlowhoundError::new(ErrorCode::BadOption, message))
}

fn micros(value: f64, option: &str) -> napi::Result<i64> {
    if !value.is_finite() || value.abs() > 9e15 {
        return Err(bad_option(format!("{option} is not a time in µs: {value}")));
    }
    Ok(value as i64)
}

#[napi]
impl SynthJob {
    /// A capture rebuilt from the records of a flow file (CTU-13 `.binetflow`, plain or gzip).
    #[napi(factory)]
    pub fn from_flow_file(flows: String, out: String, options: Option<SynthRecordsOptions>) -> napi::Result<SynthJob> {
        let given = options.unwrap_or_default();
        let mut options = RecordSynthOptions::default();
        if let Some(snaplen) = given.snaplen {
            options.snaplen = snaplen;
        }
        options.from_us = given.from_us.map(|v| micros(v, "fromUs")).transpose()?;
        options.to_us = given.to_us.map(|v| micros(v, "toUs")).transpose()?;
        options.seed = u64::from(given.seed.unwrap_or(0));
        for text in given.hosts.unwrap_or_default() {
            options.hosts.push(Cidr::parse(&text).map_err(|e| to_napi_error(&e))?);
        }
        options.validate().map_err(|e| to_napi_error(&e))?;
        let flow_file = FlowFileOptions {
            utc_offset_minutes: given.utc_offset_minutes.unwrap_or(0),
            keep_going: given.keep_going.unwrap_or(false),
            ..FlowFileOptions::default()
        };
        let work = SynthWork::Records {
            flows: PathBuf::from(flows),
            out: PathBuf::from(out),
            labels: given.labels_path.map(PathBuf::from),
            flow_file,
            options,
        };
        Ok(SynthJob { work: Mutex::new(Some(work)), shared: Arc::default() })
    }

    /// A seeded capture of realistic LAN traffic with bots, for benchmarks and fire drills.
    #[napi(factory)]
    pub fn generate(out: String, options: GenerateOptions) -> napi::Result<SynthJob> {
        let target_bytes = match options.target_bytes {
            Some(bytes) if !bytes.is_finite() || bytes < 1.0 => {
                return Err(bad_option(format!("targetBytes must be a positive size, got {bytes}")));
            }
            bytes => bytes.map(|bytes| bytes as u64),
        };
        let max_duration_us = options.max_duration_us.map(|us| micros(us, "maxDurationUs")).transpose()?;
        let mut generator = GeneratorOptions { target_bytes, max_duration_us, ..GeneratorOptions::default() };
        if let Some(seed) = options.seed {
            generator.seed = u64::from(seed);
        }
        if let Some(hosts) = options.lan_hosts {
            generator.hosts = hosts;
        }
        if let Some(snaplen) = options.snaplen {
            generator.snaplen = snaplen;
        }
        if let Some(start_us) = options.start_us {
            generator.start_us = micros(start_us, "startUs")?;
        }
        if options.bots == Some(false) {
            generator.mix = generator.mix.without_bots();
        }
        generator.validate().map_err(|e| to_napi_error(&e))?;
        let shared = Arc::new(SharedProgress::default());
        shared.total_bytes.store(generator.target_bytes.unwrap_or(0), Ordering::Relaxed);
        shared.total_capture_us.store(generator.max_duration_us.map_or(0, |us| us as u64), Ordering::Relaxed);
        Ok(SynthJob { work: Mutex::new(Some(SynthWork::Generate { out: PathBuf::from(out), options: generator })), shared })
    }

    /// A seeded SYN flood among clean hosts: the input that shows memory bounded by the
    /// budget, not by the traffic (bench/make-flood.mjs, the flood tests).
    #[napi(factory)]
    pub fn syn_flood(out: String, options: Option<SynFloodJsOptions>) -> napi::Result<SynthJob> {
        let given = options.unwrap_or_default();
        let mut flood = SynFloodOptions::default();
        if let Some(seed) = given.seed {
            flood.seed = u64::from(seed);
        }
        if let Some(syns) = given.syns {
            if !((1.0..=1e10).contains(&syns) && syns.fract() == 0.0) {
                return Err(bad_option(format!("syns must be a whole number from 1 to 10^10, got {syns}")));
            }
            flood.syns = syns as u64;
        }
        if let Some(seconds) = given.duration_seconds {
            if !(seconds.is_finite() && seconds > 0.0 && seconds <= 1e6) {
                return Err(bad_option(format!("durationSeconds must be from 0 to 10^6 s, got {seconds}")));
            }
            flood.duration_us = (seconds * 1e6).round() as i64;
        }
        if let Some(addresses) = given.target_addresses {
            flood.target_addresses = addresses;
        }
        if let Some(hosts) = given.background_hosts {
            flood.background_hosts = hosts;
        }
        Ok(SynthJob { work: Mutex::new(Some(SynthWork::Flood { out: PathBuf::from(out), options: flood })), shared: Arc::default() })
    }

    /// Runs the job (once) on a worker thread.
    #[napi(ts_return_type = "Promise<SynthSummary>")]
    pub fn run(&self) -> napi::Result<AsyncTask<SynthTask>> {
        let work = self.work.lock().unwrap_or_else(|p| p.into_inner()).take();
        let work = work.ok_or_else(|| bad_option("this synth job has already run".to_string()))?;
        Ok(AsyncTask::new(SynthTask { work, shared: Arc::clone(&self.shared) }))
    }

    #[napi]
    pub fn progress(&self) -> SynthProgress {
        let s = &self.shared;
        SynthProgress {
            bytes_done: s.bytes_consumed.load(Ordering::Relaxed) as f64,
            total_bytes: s.total_bytes.load(Ordering::Relaxed) as f64,
            records: s.records.load(Ordering::Relaxed) as f64,
            packets: s.packets.load(Ordering::Relaxed) as f64,
            capture_us: s.capture_us.load(Ordering::Relaxed) as f64,
            total_capture_us: s.total_capture_us.load(Ordering::Relaxed) as f64,
        }
    }

    /// Stops the job at its next batch; the capture is closed with what was written.
    #[napi]
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::Relaxed);
    }
}

pub struct SynthTask {
    work: SynthWork,
    shared: Arc<SharedProgress>,
}

impl Task for SynthTask {
    type Output = SynthSummary;
    type JsValue = SynthSummary;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let result = match self.work.clone() {
            SynthWork::Records { flows, out, labels, flow_file, options } => run_records(&flows, &out, labels, flow_file, &options, &self.shared),
            SynthWork::Generate { out, options } => run_generator(&out, &options, &self.shared),
            SynthWork::Flood { out, options } => run_flood(&out, &options),
        };
        result.map_err(|e| to_napi_error(&e))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> napi::Result<Self::JsValue> {
        Ok(output)
    }
}

fn run_records(
    flows: &std::path::Path,
    out: &std::path::Path,
    labels: Option<PathBuf>,
    flow_file: FlowFileOptions,
    options: &RecordSynthOptions,
    shared: &SharedProgress,
) -> Result<SynthSummary, FlowhoundError> {
    let mut rows_skipped = 0;
    let stats = synthesize_flow_file(flows, flow_file, out, labels.as_deref(), options, &mut |progress| {
        shared.bytes_consumed.store(progress.flow_file.bytes_consumed, Ordering::Relaxed);
        shared.total_bytes.store(progress.flow_file.total_bytes.unwrap_or(0), Ordering::Relaxed);
        shared.records.store(progress.synth.records_in, Ordering::Relaxed);
        shared.packets.store(progress.synth.packets_written, Ordering::Relaxed);
        rows_skipped = progress.flow_file.skipped_rows;
        !shared.cancelled.load(Ordering::Relaxed)
    })?;
    Ok(SynthSummary {
        packets_written: stats.packets_written as f64,
        file_bytes: stats.file_bytes as f64,
        wire_bytes: stats.wire_bytes as f64,
        first_packet_us: stats.first_packet_us.map_or(f64::NAN, |t| t as f64),
        last_packet_us: stats.last_packet_us.map_or(f64::NAN, |t| t as f64),
        records_in: stats.records_in as f64,
        records_synthesized: stats.records_synthesized as f64,
        records_skipped: stats.records_skipped() as f64,
        skipped_not_ip: stats.skipped_not_ip as f64,
        skipped_time_range: stats.skipped_time_range as f64,
        skipped_hosts: stats.skipped_hosts as f64,
        skipped_out_of_order: stats.skipped_out_of_order as f64,
        records_inexact: stats.records_inexact as f64,
        rows_skipped: rows_skipped as f64,
        cancelled: shared.cancelled.load(Ordering::Relaxed),
        ..SynthSummary::default()
    })
}

/// Counts bytes as they reach the file, and refuses further writes once cancelled, which
/// makes the generator stop with an I/O error that `run_generator` recognises.
struct ProgressWriter<'a, W: Write> {
    inner: W,
    shared: &'a SharedProgress,
    written: u64,
}

impl<W: Write> Write for ProgressWriter<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        if self.shared.cancelled.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
        let n = self.inner.write(bytes)?;
        self.written += n as u64;
        self.shared.bytes_consumed.store(self.written, Ordering::Relaxed);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

fn run_flood(out: &std::path::Path, options: &SynFloodOptions) -> Result<SynthSummary, FlowhoundError> {
    let file = File::create(out).map_err(|e| FlowhoundError::io(&e, out))?;
    let summary = syn_flood(options, BufWriter::with_capacity(1 << 20, file)).map_err(|e| e.in_file(out))?;
    Ok(SynthSummary { packets_written: summary.packets as f64, file_bytes: summary.bytes as f64, ..SynthSummary::default() })
}

fn run_generator(out: &std::path::Path, options: &GeneratorOptions, shared: &SharedProgress) -> Result<SynthSummary, FlowhoundError> {
    let file = File::create(out).map_err(|e| FlowhoundError::io(&e, out))?;
    let writer = ProgressWriter { inner: BufWriter::with_capacity(1 << 20, file), shared, written: 0 };
    let mut on_progress = |progress: &GeneratorProgress| {
        shared.packets.store(progress.packets, Ordering::Relaxed);
        shared.capture_us.store(progress.capture_us.max(0) as u64, Ordering::Relaxed);
    };
    match generate_with_progress(options, writer, &mut on_progress) {
        Ok(summary) => Ok(SynthSummary {
            packets_written: summary.packets as f64,
            file_bytes: summary.bytes_written as f64,
            wire_bytes: summary.wire_bytes as f64,
            first_packet_us: if summary.packets == 0 { f64::NAN } else { summary.first_us as f64 },
            last_packet_us: if summary.packets == 0 { f64::NAN } else { summary.last_us as f64 },
            flows: summary.flows as f64,
            infected_hosts: summary.infected_hosts.iter().map(ToString::to_string).collect(),
            ..SynthSummary::default()
        }),
        Err(_) if shared.cancelled.load(Ordering::Relaxed) => Ok(SynthSummary { cancelled: true, ..SynthSummary::default() }),
        Err(error) => Err(error.in_file(out)),
    }
}
