//! `LiveCapture`: closed windows of feature rows from a network interface. libpcap is read on
//! a native thread of its own (`flowhound-live`), which counts the packets in the windowed
//! flow engine and builds each window's rows as it closes (`core::ingest::LiveFlowSource`,
//! the feature builder files use); JavaScript takes the windows over a bounded channel, with the
//! packets the kernel dropped while each was open. No JavaScript runs per packet.
//!
//! Built without libpcap (no feature `live`), `open` and `listInterfaces` fail with
//! ERR_CAPTURE_UNAVAILABLE, which says what to install.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::features::WindowFeatures;
use flowhound_core::ingest::KernelCounters;
use napi::bindgen_prelude::AsyncTask;
use napi::{Env, Task};

use crate::errors::to_napi_error;
use crate::feature_stream::{to_js, EffectiveFeatureOptions, FeatureStreamOptions, FeatureWindow};

#[napi(object)]
#[derive(Default, Clone)]
pub struct LiveCaptureOptions {
    /// Windows, memory budget, LAN (as for a feature stream; windowed only).
    pub features: Option<FeatureStreamOptions>,
    /// Bytes kept of each packet: `liveDefaults().snaplen`.
    pub snaplen: Option<u32>,
    /// The kernel's ring for packets not yet read, bytes: `liveDefaults().bufferSizeBytes`.
    pub buffer_size_bytes: Option<f64>,
    /// Promiscuous mode (default true).
    pub promiscuous: Option<bool>,
    /// A BPF filter, tcpdump's syntax.
    pub bpf: Option<String>,
    /// Stop after this many seconds.
    pub duration_seconds: Option<f64>,
    /// Stop after this many packets.
    pub max_packets: Option<f64>,
}

#[napi(object)]
pub struct LiveDefaults {
    pub snaplen: u32,
    pub buffer_size_bytes: f64,
    pub read_timeout_ms: i32,
    /// Whether this build captures live (libpcap was found when it was built).
    pub available: bool,
}

/// The live capture's defaults, and whether this build has it.
#[napi]
pub fn live_defaults() -> LiveDefaults {
    use flowhound_core::ingest::LiveCaptureOptions as Core;
    LiveDefaults {
        snaplen: Core::DEFAULT_SNAPLEN,
        buffer_size_bytes: f64::from(Core::DEFAULT_BUFFER_SIZE_BYTES),
        read_timeout_ms: Core::DEFAULT_READ_TIMEOUT_MS,
        available: cfg!(feature = "live"),
    }
}

#[napi(object)]
pub struct NetworkInterfaceJs {
    pub name: String,
    pub description: String,
    /// Its networks, CIDR.
    pub networks: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
}

/// The interfaces libpcap can capture on.
#[napi]
pub fn list_interfaces() -> napi::Result<Vec<NetworkInterfaceJs>> {
    let interfaces = capture::list().map_err(|e| to_napi_error(&e))?;
    Ok(interfaces
        .into_iter()
        .map(|i| NetworkInterfaceJs { name: i.name, description: i.description, networks: i.networks, up: i.up, running: i.running, loopback: i.loopback })
        .collect())
}

/// One closed window of a live capture.
#[napi(object)]
pub struct LiveWindow {
    pub features: FeatureWindow,
    pub window_end_us: f64,
    /// The capture stopped before the window ended: it holds less than a window's time.
    pub partial: bool,
    /// What the kernel counted while the window was open (`pcap_stats`): packets the filter
    /// passed, dropped for want of room in the ring (`ps_drop`), dropped by the interface
    /// or its driver (`ps_ifdrop`).
    pub kernel_received: f64,
    pub kernel_dropped: f64,
    pub interface_dropped: f64,
}

/// Where the capture stands, for a status line.
#[napi(object)]
#[derive(Clone, Default)]
pub struct LiveStatus {
    /// Packets read and counted, and their wire bytes.
    pub packets: f64,
    pub wire_bytes: f64,
    /// Since the start (summed over reopenings of the interface).
    pub kernel_received: f64,
    pub kernel_dropped: f64,
    pub interface_dropped: f64,
    /// Flows in the engine's tables now.
    pub active_flows: f64,
    /// Flows emitted early (flow-table cap or memory budget), since the start.
    pub flows_evicted_early: f64,
    pub windows_closed: f64,
    /// Capture time as far as seen (newest packet, or the idle clock), µs; 0 before any.
    pub clock_us: f64,
    /// The interface is open (false while lost and being retried).
    pub interface_up: bool,
    /// The capture thread has ended.
    pub ended: bool,
}

/// What one `next` call brings.
#[napi(object)]
pub struct LiveBatch {
    pub windows: Vec<LiveWindow>,
    /// What happened to the interface meanwhile: lost (with libpcap's message), back.
    pub events: Vec<String>,
    /// The capture has ended and every window has been handed out.
    pub ended: bool,
}

/// A closed window, with the drops counted while it was open.
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub struct ClosedWindow {
    features: WindowFeatures,
    window_end_us: i64,
    partial: bool,
    drops: KernelCounters,
}

// Without `live`, no capture thread sends windows or events.
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub enum Message {
    Window(Box<ClosedWindow>),
    Event(String),
    /// The thread ended: stopped, or at an error.
    End(Option<FlowhoundError>),
}

#[derive(Default)]
pub struct Shared {
    stop: AtomicBool,
    status: Mutex<LiveStatus>,
}

#[napi]
pub struct LiveCapture {
    shared: Arc<Shared>,
    receiver: Arc<Mutex<Receiver<Message>>>,
    /// Set once the End message has been taken.
    ended: Arc<AtomicBool>,
    thread: Mutex<Option<JoinHandle<()>>>,
    options: EffectiveFeatureOptions,
    link_type: u32,
}

#[napi]
impl LiveCapture {
    /// Opens `interface` and starts capturing: a missing interface, a bad filter or a missing
    /// permission fail here (ERR_CAPTURE_NO_DEVICE, ERR_CAPTURE_FILTER, ERR_CAPTURE_PERMISSION).
    #[napi(factory)]
    pub fn open(interface: String, options: Option<LiveCaptureOptions>) -> napi::Result<LiveCapture> {
        let options = options.unwrap_or_default();
        let shared = Arc::new(Shared::default());
        let started = capture::start(&interface, &options, Arc::clone(&shared)).map_err(|e| to_napi_error(&e))?;
        Ok(LiveCapture {
            shared,
            receiver: Arc::new(Mutex::new(started.receiver)),
            ended: Arc::new(AtomicBool::new(false)),
            thread: Mutex::new(Some(started.thread)),
            options: started.options,
            link_type: started.link_type,
        })
    }

    /// The options the capture runs with, the defaults filled in.
    #[napi(getter)]
    pub fn options(&self) -> EffectiveFeatureOptions {
        self.options.clone()
    }

    /// The interface's link-layer type (LINKTYPE_ number).
    #[napi(getter)]
    pub fn link_type(&self) -> u32 {
        self.link_type
    }

    /// The windows closed since the last call, waiting up to `timeoutMs` for one; rejects
    /// with the error that ended the capture, if one did.
    #[napi(ts_return_type = "Promise<LiveBatch>")]
    pub fn next(&self, timeout_ms: u32) -> AsyncTask<NextLiveTask> {
        AsyncTask::new(NextLiveTask { receiver: Arc::clone(&self.receiver), ended: Arc::clone(&self.ended), timeout_ms })
    }

    /// Stops capturing: the open windows are closed (partial) and handed out, then the end.
    #[napi]
    pub fn stop(&self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }

    #[napi]
    pub fn status(&self) -> LiveStatus {
        self.shared.status.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Waits for the capture thread (after `stop`, and the end handed out).
    #[napi]
    pub fn join(&self) {
        if let Some(thread) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = thread.join();
        }
    }
}

impl Drop for LiveCapture {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Relaxed);
    }
}

pub struct NextLiveTask {
    receiver: Arc<Mutex<Receiver<Message>>>,
    ended: Arc<AtomicBool>,
    timeout_ms: u32,
}

impl Task for NextLiveTask {
    type Output = (Vec<ClosedWindow>, Vec<String>, bool);
    type JsValue = LiveBatch;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        if self.ended.load(Ordering::Relaxed) {
            return Ok((Vec::new(), Vec::new(), true));
        }
        let receiver = self.receiver.lock().unwrap_or_else(|p| p.into_inner());
        let (mut windows, mut events) = (Vec::new(), Vec::new());
        let mut message = match receiver.recv_timeout(std::time::Duration::from_millis(u64::from(self.timeout_ms))) {
            Ok(message) => Some(message),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => Some(Message::End(None)),
        };
        while let Some(taken) = message.take() {
            match taken {
                Message::Window(window) => windows.push(*window),
                Message::Event(event) => events.push(event),
                Message::End(error) => {
                    self.ended.store(true, Ordering::Relaxed);
                    if let Some(error) = error {
                        return Err(to_napi_error(&error));
                    }
                    return Ok((windows, events, true));
                }
            }
            message = receiver.try_recv().ok();
        }
        Ok((windows, events, false))
    }

    fn resolve(&mut self, _env: Env, (windows, events, ended): Self::Output) -> napi::Result<Self::JsValue> {
        let windows = windows
            .into_iter()
            .map(|w| LiveWindow {
                window_end_us: w.window_end_us as f64,
                partial: w.partial,
                kernel_received: w.drops.received as f64,
                kernel_dropped: w.drops.dropped as f64,
                interface_dropped: w.drops.if_dropped as f64,
                features: to_js(w.features, false),
            })
            .collect();
        Ok(LiveBatch { windows, events, ended })
    }
}

/// What `start` hands back: the thread, where its windows come, what it runs with.
pub struct Started {
    receiver: Receiver<Message>,
    thread: JoinHandle<()>,
    options: EffectiveFeatureOptions,
    link_type: u32,
}

#[cfg(not(feature = "live"))]
mod capture {
    use super::*;
    use flowhound_core::ingest::NetworkInterface;

    fn unavailable() -> FlowhoundError {
        FlowhoundError::new(
            ErrorCode::CaptureUnavailable,
            "this build of flowhound cannot capture live: libpcap was not found when it was built. \
             Install libpcap's headers (Debian/Ubuntu: apt-get install libpcap-dev; Fedora: dnf install libpcap-devel), \
             then run npm run build:native",
        )
    }

    pub fn list() -> Result<Vec<NetworkInterface>, FlowhoundError> {
        Err(unavailable())
    }

    pub fn start(_interface: &str, _options: &LiveCaptureOptions, _shared: Arc<Shared>) -> Result<Started, FlowhoundError> {
        Err(unavailable())
    }
}

#[cfg(feature = "live")]
mod capture {
    use super::*;
    use std::sync::mpsc::{sync_channel, SyncSender};
    use std::time::{Duration, Instant};

    use flowhound_core::features::{FeatureBuilder, FeatureOptions};
    use flowhound_core::flow::FlowMode;
    use flowhound_core::ingest::{
        wall_clock_us, DropLedger, LiveCaptureOptions as CoreOptions, LiveFlowSource, NetworkInterface, PacketFeed, PcapFeed,
    };

    use crate::feature_stream::feature_options;
    use crate::options::{engine_options, lan_texts, EffectiveFlowOptions};
    use flowhound_core::ingest::FlowSourceOptions;

    /// Packets counted between looks at the stop flag, the limits and the counters.
    const PACKETS_PER_POLL: u64 = 4096;
    /// How often the kernel's counters are read.
    const SAMPLE_EVERY: Duration = Duration::from_millis(250);
    /// At a stop, the ring is read until two reads in a row find it empty (a block of packets
    /// is handed over at most a read timeout after its last packet), or this long at most.
    const DRAIN_AT_MOST: Duration = Duration::from_secs(2);
    /// Closed windows (and events) waiting for JavaScript at most. Past them the capture thread
    /// waits for the scorer, packets wait in the kernel's ring, and what it cannot hold is
    /// dropped there and counted (ps_drop): memory stays bounded however far scoring falls behind.
    const MESSAGES_QUEUED: usize = 4;

    pub fn list() -> Result<Vec<NetworkInterface>, FlowhoundError> {
        flowhound_core::ingest::list_interfaces()
    }

    struct Limits {
        deadline: Option<Instant>,
        max_packets: Option<u64>,
    }

    pub fn start(interface: &str, options: &LiveCaptureOptions, shared: Arc<Shared>) -> Result<Started, FlowhoundError> {
        let features = options.features.clone().unwrap_or_default();
        let mut flows = features.flows.clone().unwrap_or_default();
        if flows.whole == Some(true) {
            return Err(FlowhoundError::new(ErrorCode::BadOption, "a live capture is read in windows: whole-capture mode does not apply"));
        }
        flows.whole = Some(false);
        // A live capture hands out no flow columns (`to_js(…, false)`): no records are kept.
        let feature_options = FeatureOptions { flow_records: false, ..feature_options(&features, &flows)? };
        let engine = engine_options(&flows)?;
        let FlowMode::Windowed { window_us, step_us } = engine.mode else { unreachable!("windowed above") };
        let effective = EffectiveFeatureOptions {
            flows: EffectiveFlowOptions::of(&FlowSourceOptions { engine, ..FlowSourceOptions::default() }, 0),
            lan: lan_texts(&feature_options.lan),
        };
        let builder = FeatureBuilder::new(feature_options)?;

        let mut capture = CoreOptions::new(interface);
        if let Some(snaplen) = options.snaplen {
            if !(64..=262_144).contains(&snaplen) {
                return Err(FlowhoundError::new(ErrorCode::BadOption, format!("snaplen must be 64 to 262144 bytes, got {snaplen}")));
            }
            capture.snaplen = snaplen;
        }
        if let Some(bytes) = options.buffer_size_bytes {
            if !(bytes.is_finite() && bytes.fract() == 0.0 && (65_536.0..=2_147_483_647.0).contains(&bytes)) {
                return Err(FlowhoundError::new(ErrorCode::BadOption, format!("bufferSizeBytes must be a whole number from 64 KiB to 2 GiB, got {bytes}")));
            }
            capture.buffer_size_bytes = bytes as u32;
        }
        capture.promiscuous = options.promiscuous.unwrap_or(true);
        capture.bpf = options.bpf.clone();
        let limits = Limits {
            deadline: match options.duration_seconds {
                Some(seconds) if !(seconds.is_finite() && seconds > 0.0) => {
                    return Err(FlowhoundError::new(ErrorCode::BadOption, format!("durationSeconds must be a positive number, got {seconds}")))
                }
                Some(seconds) => Some(Instant::now() + Duration::from_secs_f64(seconds)),
                None => None,
            },
            max_packets: match options.max_packets {
                Some(count) if !(count.is_finite() && count >= 1.0 && count.fract() == 0.0) => {
                    return Err(FlowhoundError::new(ErrorCode::BadOption, format!("maxPackets must be a whole number of at least 1, got {count}")))
                }
                count => count.map(|c| c as u64),
            },
        };

        let feed = PcapFeed::open(capture)?;
        let link_type = u32::from(feed.link_type());
        let source = LiveFlowSource::new(feed, engine)?;
        let (sender, receiver) = sync_channel(MESSAGES_QUEUED);
        let thread = std::thread::Builder::new()
            .name("flowhound-live".to_string())
            .spawn(move || run(source, builder, Windowing { window_us, step_us }, limits, &shared, &sender))
            .map_err(|err| FlowhoundError::new(ErrorCode::CaptureFailed, format!("cannot start the capture thread: {err}")))?;
        Ok(Started { receiver, thread, options: effective, link_type })
    }

    struct Windowing {
        window_us: i64,
        step_us: i64,
    }

    fn run<F: PacketFeed>(mut source: LiveFlowSource<F>, mut builder: FeatureBuilder, windowing: Windowing, limits: Limits, shared: &Shared, sender: &SyncSender<Message>) {
        // Kept: a window's start and end, and then some, back from the newest sample.
        let mut ledger = DropLedger::new(2 * windowing.window_us + windowing.step_us + 60_000_000);
        ledger.record(wall_clock_us(), source.kernel_counters());
        let (mut records, mut closed) = (Vec::new(), Vec::new());
        let mut last_sample = Instant::now();
        let mut windows_closed = 0u64;
        let mut interface_up = true;
        // Set at the stop: how long the ring may still be read, and how many idle reads came since.
        let mut draining: Option<(Instant, u32)> = None;
        let error = loop {
            if limits.max_packets.is_some_and(|max| source.packets() >= max) {
                break None;
            }
            let stopping = shared.stop.load(Ordering::Relaxed) || limits.deadline.is_some_and(|deadline| Instant::now() >= deadline);
            if stopping && draining.is_none() {
                // Packets already in the kernel's ring when the stop came are read first: libpcap
                // hands a block of them over only once the block's timeout retires it.
                draining = Some((Instant::now() + DRAIN_AT_MOST, 0));
            }
            if let Some((until, idle_reads)) = draining {
                if idle_reads >= 2 || Instant::now() >= until {
                    break None;
                }
            }
            let budget = limits.max_packets.map_or(PACKETS_PER_POLL, |max| (max - source.packets()).min(PACKETS_PER_POLL));
            match source.poll(budget, &mut records) {
                Err(error) => break Some(error),
                Ok(poll) => {
                    if let Some((_, idle_reads)) = draining.as_mut() {
                        *idle_reads = if poll.idle && poll.packets == 0 { *idle_reads + 1 } else { 0 };
                    }
                    if let Some(message) = poll.lost {
                        interface_up = false;
                        let _ = sender.send(Message::Event(format!("lost: {message}; capturing again as soon as it is back")));
                    }
                    if poll.restored {
                        interface_up = true;
                        let _ = sender.send(Message::Event("restored: capturing again".to_string()));
                    }
                }
            }
            builder.count_evictions(&source.take_window_evictions());
            for record in records.drain(..) {
                builder.push(record, &mut closed);
            }
            if let Some(through) = source.closed_through_us() {
                builder.close_through(through, &mut closed);
            }
            if !closed.is_empty() || last_sample.elapsed() >= SAMPLE_EVERY {
                last_sample = Instant::now();
                ledger.record(wall_clock_us(), source.kernel_counters());
                windows_closed += closed.len() as u64;
                publish(&mut source, shared, windows_closed, interface_up, false);
            }
            for window in closed.drain(..) {
                let end_us = window.window_start_us.saturating_add(windowing.window_us);
                let drops = ledger.between(window.window_start_us, end_us);
                let message = ClosedWindow { features: window, window_end_us: end_us, partial: false, drops };
                if sender.send(Message::Window(Box::new(message))).is_err() {
                    return;
                }
            }
        };
        // The stop: every window still open is closed; those that had not ended are partial.
        ledger.record(wall_clock_us(), source.kernel_counters());
        source.finish(&mut records);
        builder.count_evictions(&source.take_window_evictions());
        for record in records.drain(..) {
            builder.push(record, &mut closed);
        }
        builder.finish(&mut closed);
        let clock_us = source.clock_us().max(wall_clock_us());
        windows_closed += closed.len() as u64;
        for window in closed.drain(..) {
            let end_us = window.window_start_us.saturating_add(windowing.window_us);
            let drops = ledger.between(window.window_start_us, end_us);
            let partial = end_us + source.reorder_slack_us() > clock_us;
            let _ = sender.send(Message::Window(Box::new(ClosedWindow { features: window, window_end_us: end_us, partial, drops })));
        }
        publish(&mut source, shared, windows_closed, interface_up, true);
        let _ = sender.send(Message::End(error));
    }

    fn publish<F: PacketFeed>(source: &mut LiveFlowSource<F>, shared: &Shared, windows_closed: u64, interface_up: bool, ended: bool) {
        let kernel = source.kernel_counters();
        let engine = source.engine_stats();
        let status = LiveStatus {
            packets: source.packets() as f64,
            wire_bytes: source.wire_bytes() as f64,
            kernel_received: kernel.received as f64,
            kernel_dropped: kernel.dropped as f64,
            interface_dropped: kernel.if_dropped as f64,
            active_flows: engine.active_flows as f64,
            flows_evicted_early: engine.flows_evicted_early as f64,
            windows_closed: windows_closed as f64,
            clock_us: source.clock_us().max(0) as f64,
            interface_up,
            ended,
        };
        *shared.status.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }
}
