//! The feature builder: flow records in (from packets or a flow file), one `WindowFeatures`
//! out per window as soon as no more of its records can come: every flow's row, every LAN
//! host's row, and which host rows each flow counts for.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crate::cidr::Cidr;
use crate::error::Result;
use crate::fast_hash::{FastMap, FastSet};
use crate::flow::{check_windows, FlowMode, MemoryBudget, WindowEvictions};
use crate::packet::IpAddr16;
use crate::record::{Address, FlowRecord};

use super::evidence::EvidenceDetail;
use super::host_activity::HostActivity;
use super::host_memory::HostMemory;
use super::label_index::LabelIndex;
use super::labels::{classify_label, FlowClass, HostLabel, LabelledEnd};
use super::lan::Lan;
use super::future_pieces::FutureRecord;
use super::record_pieces::RecordCut;
use super::repeated_rows::RepeatedRows;
use super::row_sample::{OfferedRow, RowSample};
use super::schema::{FLOW_FEATURE_COUNT, HOST_FEATURE_COUNT};

pub struct FeatureOptions {
    pub window_us: i64,
    pub step_us: i64,
    pub lan: Lan,
    /// Hosts known to be infected; hosts that botnet labels name as bots join them.
    pub infected: Vec<IpAddr16>,
    /// Ranges whose every host is known to be infected (`--infected 10.0.5.0/24`).
    pub infected_ranges: Vec<Cidr>,
    /// Labels for records that carry none (flows rebuilt from packets of a synth capture).
    pub labels: Option<LabelIndex>,
    /// The memory budget: the open windows' flow rows take at most `window_rows_bytes()` of it.
    pub memory: MemoryBudget,
    /// Hand out each window's flow records (`WindowFeatures::flows`) with its rows. Without
    /// them (`analyze`: the rows alone are scored), a row is kept as its features from the
    /// start, not as a record with its strings until the window closes.
    pub flow_records: bool,
    /// Hand out, of the flow rows, only those that repeat no row of the window before
    /// (`flow_repeat_of` -1; the others take that window's scores): what a scorer needs. The
    /// window's rows are then kept to find the next window's repeats as they are, not copied.
    pub omit_repeated_rows: bool,
}

impl Default for FeatureOptions {
    fn default() -> FeatureOptions {
        FeatureOptions {
            window_us: FlowMode::DEFAULT_WINDOW_US,
            step_us: FlowMode::DEFAULT_STEP_US,
            lan: Lan::default(),
            infected: Vec::new(),
            infected_ranges: Vec::new(),
            labels: None,
            memory: MemoryBudget::default(),
            flow_records: true,
            omit_repeated_rows: false,
        }
    }
}

/// One closed window.
#[derive(Debug, Default)]
pub struct WindowFeatures {
    pub window_start_us: i64,
    /// The window's flow records, with their labels filled in where a sidecar gave one; empty
    /// unless `FeatureOptions::flow_records`.
    pub flows: Vec<FlowRecord>,
    pub flow_classes: Vec<FlowClass>,
    /// `flows.len() × FLOW_FEATURE_COUNT`, row-major; with `repeated_rows_omitted`, only the
    /// rows whose `flow_repeat_of` is -1, in order.
    pub flow_features: Vec<f32>,
    /// `FeatureOptions::omit_repeated_rows`: `flow_features` holds the rows that repeat nothing.
    pub repeated_rows_omitted: bool,
    /// Per flow: the row of the window this builder emitted just before whose features are
    /// the same bits, or -1. A scorer that keeps that window's flow scores can reuse them.
    pub flow_repeat_of: Vec<i32>,
    /// Index into `hosts` of each flow's source and destination; -1 when that end is not a
    /// LAN host.
    pub flow_src_host: Vec<i32>,
    pub flow_dst_host: Vec<i32>,
    /// The window's LAN hosts, in address order.
    pub hosts: Vec<IpAddr16>,
    pub host_labels: Vec<HostLabel>,
    /// `hosts.len() × HOST_FEATURE_COUNT`, row-major.
    pub host_features: Vec<f32>,
    /// Per host: what stands behind each of its evidence values above 0.
    pub host_evidence: Vec<Vec<EvidenceDetail>>,
    /// Flows of this window emitted before their time under the memory budget (or
    /// `max_active_flows`): they are in `flows`, cut at their last packet before the eviction.
    pub flows_evicted_early: u64,
    /// Flows of this window whose rows were left out under the memory budget: counted in
    /// their hosts' rows, absent from `flows` and the flow rows.
    pub flow_rows_dropped: u64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FeatureStats {
    pub records: u64,
    pub windows: u64,
    pub flow_rows: u64,
    pub host_rows: u64,
    /// Records that arrived after a window they belong in had closed (a flow file far out of
    /// time order): counted here, and missing from those windows' rows.
    pub late_records: u64,
    /// With a labels sidecar: flows it gave a label, and flows it had none for.
    pub sidecar_labelled: u64,
    pub sidecar_unmatched: u64,
    /// Flow rows left out under the memory budget (their flows still count in host rows).
    pub flow_rows_dropped: u64,
    /// The most bytes the open windows' flow rows held, and what they may hold.
    pub peak_flow_rows_bytes: u64,
    pub flow_rows_budget_bytes: u64,
}

/// A LAN host in an open window: its activity, and what its ground truth there depends on.
struct HostWindow {
    /// The order it came in among the window's hosts: what its flows' rows name it by until
    /// the window closes and its row is known.
    id: i32,
    activity: HostActivity,
    /// It is the source of at least one flow that starts in the window.
    initiated: bool,
    /// At least one of its flows in the window carries a label (any label).
    labelled: bool,
}

struct OpenWindow {
    flows: RowSample,
    /// Records of pieces this window holds, come while the input's time had not reached the
    /// window: their pieces are added, in this order, when it does (`reach`) or at its close.
    future: Vec<Arc<FutureRecord>>,
    /// Early evictions counted for this window by the flow engine (`count_evictions`).
    flows_evicted_early: u64,
    /// Sorted by address when the window closes; looked up twice per record until then.
    hosts: FastMap<IpAddr16, HostWindow>,
    /// Hosts that a Normal label names in this window.
    normal_hosts: FastSet<IpAddr16>,
    /// Hosts that a botnet label names as the bot in this window.
    acting_bots: FastSet<IpAddr16>,
}

impl OpenWindow {
    /// The window's entry for LAN host `address`, made on its first flow here.
    fn host(&mut self, address: IpAddr16) -> &mut HostWindow {
        let next_id = self.hosts.len() as i32;
        self.hosts.entry(address).or_insert_with(|| HostWindow {
            id: next_id,
            activity: HostActivity::default(),
            initiated: false,
            labelled: false,
        })
    }

    /// Adds a flow (or a piece of one) of this window: to its LAN ends' activity, and to the
    /// window's rows. `class`: its label's; `starts_here`: the flow started in this window;
    /// `has_label`: it carries a label that is not empty.
    fn add(&mut self, this: Cow<'_, FlowRecord>, class: FlowClass, lan: &Lan, starts_here: bool, has_label: bool) {
        let src = lan.host(&this.src_addr);
        let dst = lan.host(&this.dst_addr);
        let (mut src_host, mut dst_host) = (-1, -1);
        if let Some(src) = src {
            let host = self.host(src);
            host.activity.add_initiated(&this, dst.is_some());
            host.initiated |= starts_here;
            host.labelled |= has_label;
            src_host = host.id;
        }
        match dst {
            Some(dst) if Some(dst) == src => dst_host = src_host,
            Some(dst) => {
                let host = self.host(dst);
                host.activity.add_received(&this);
                host.labelled |= has_label;
                dst_host = host.id;
            }
            None => {}
        }
        self.flows.offer(OfferedRow { record: this, class, src_host, dst_host });
    }

    /// Adds the pieces held for later (`future`), in the order their records came, each made
    /// into `piece`.
    fn add_future_pieces(&mut self, window_start_us: i64, window_us: i64, lan: &Lan, piece: &mut FlowRecord) {
        for future in std::mem::take(&mut self.future) {
            let starts_here = (window_start_us..window_start_us.saturating_add(window_us)).contains(&future.record_start_us);
            future.piece_into(window_start_us, piece);
            self.add(Cow::Borrowed(piece), future.class, lan, starts_here, future.has_label);
        }
    }
}

/// What a record notes in each window it is in, besides its piece.
struct RecordMarks {
    /// When the flow started: a window holds the acts of hosts whose flows start in it.
    record_start_us: i64,
    /// A host that a Normal label names.
    labelled_normal: Option<IpAddr16>,
    /// A host that a botnet label names as the bot.
    acting_bot: Option<IpAddr16>,
}

pub struct FeatureBuilder {
    options: FeatureOptions,
    infected: HashSet<IpAddr16>,
    open: BTreeMap<i64, OpenWindow>,
    /// Every window starting at or before this has been emitted.
    closed_through: Option<i64>,
    /// Newest record time seen: its window's start (records from packets) or its start.
    newest_us: i64,
    /// Every open window starting at or before this has had its future pieces added: pieces
    /// for such windows are added as their records come.
    reached_us: i64,
    stats: FeatureStats,
    repeated_flow_rows: RepeatedRows,
    memory: HostMemory,
    /// A window's share of the rows' budget: as many windows as overlap one instant are open,
    /// and the one last emitted is still held while it is handed out.
    window_rows_budget_bytes: usize,
    /// Early evictions counted for windows that have no record here yet.
    evictions_ahead: BTreeMap<i64, u64>,
    /// The record every flow-file piece is made into before it is added (`RecordCut::piece_into`):
    /// its strings are allocated once, not once per piece. `None` until the first piece.
    piece: Option<FlowRecord>,
}

impl FeatureBuilder {
    pub fn new(options: FeatureOptions) -> Result<FeatureBuilder> {
        check_windows(options.window_us, options.step_us)?;
        let infected = options.infected.iter().copied().collect();
        let memory = HostMemory::new(options.window_us);
        let windows_holding_rows = usize::try_from(options.window_us / options.step_us + 2).unwrap_or(usize::MAX);
        let window_rows_budget_bytes = options.memory.window_rows_bytes() / windows_holding_rows;
        let stats = FeatureStats { flow_rows_budget_bytes: options.memory.window_rows_bytes() as u64, ..FeatureStats::default() };
        Ok(FeatureBuilder {
            options,
            infected,
            open: BTreeMap::new(),
            closed_through: None,
            newest_us: i64::MIN,
            reached_us: i64::MIN,
            stats,
            repeated_flow_rows: RepeatedRows::new(FLOW_FEATURE_COUNT),
            memory,
            window_rows_budget_bytes,
            evictions_ahead: BTreeMap::new(),
            piece: None,
        })
    }

    pub fn stats(&self) -> FeatureStats {
        self.stats
    }

    /// Takes the flow engine's early evictions (`FlowSource::take_window_evictions`), counted
    /// before their records are pushed: each goes to its window's `flows_evicted_early`.
    pub fn count_evictions(&mut self, evictions: &[WindowEvictions]) {
        for entry in evictions {
            match self.open.get_mut(&entry.window_start_us) {
                Some(window) => window.flows_evicted_early += entry.flows_evicted_early,
                None => *self.evictions_ahead.entry(entry.window_start_us).or_default() += entry.flows_evicted_early,
            }
        }
    }

    /// Hosts known or found to be infected so far.
    pub fn infected_hosts(&self) -> Vec<IpAddr16> {
        let mut hosts: Vec<IpAddr16> = self.infected.iter().copied().collect();
        hosts.sort_unstable();
        hosts
    }

    /// A known infected host: given, named by a botnet label, or in a given range (it then
    /// joins the given hosts, so that `infected_hosts` names it).
    fn is_infected(&mut self, address: &IpAddr16) -> bool {
        if self.infected.contains(address) {
            return true;
        }
        if self.options.infected_ranges.iter().any(|range| range.contains(address)) {
            self.infected.insert(*address);
            return true;
        }
        false
    }

    /// Adds one record; appends to `out` the windows that can no longer receive records.
    pub fn push(&mut self, mut record: FlowRecord, out: &mut Vec<WindowFeatures>) {
        self.stats.records += 1;
        // A piece read the other way round from its record: the label's end is the other one.
        let mut reversed = false;
        // When the flow this record is (a piece of) started: a window holds what a host did
        // there only through flows that start in it, as the comparers of García et al. (2014)
        // put each flow in the window of its start. A piece of a connection opened an hour
        // before is no new act of its host.
        let mut record_start_us = record.start_us;
        if record.label.is_none() {
            if let Some(index) = &self.options.labels {
                match index.find(&record) {
                    Some(found) => {
                        record.label = Some(found.label.to_string());
                        reversed = found.reversed;
                        record_start_us = found.record_start_us;
                        self.stats.sidecar_labelled += 1;
                    }
                    None => self.stats.sidecar_unmatched += 1,
                }
            }
        }
        let (class, mut labelled_end) = record.label.as_deref().map_or((FlowClass::Unlabelled, LabelledEnd::Neither), classify_label);
        if reversed {
            labelled_end = match labelled_end {
                LabelledEnd::Src => LabelledEnd::Dst,
                LabelledEnd::Dst => LabelledEnd::Src,
                LabelledEnd::Neither => LabelledEnd::Neither,
            };
        }
        let labelled_address = match labelled_end {
            LabelledEnd::Src => Some(record.src_addr),
            LabelledEnd::Dst => Some(record.dst_addr),
            LabelledEnd::Neither => None,
        };
        let acting_bot = match (class, labelled_address) {
            (FlowClass::Botnet, Some(Address::Ip(bot))) => {
                self.infected.insert(bot);
                Some(bot)
            }
            _ => None,
        };
        let labelled_normal = match (class, labelled_address) {
            (FlowClass::Normal, Some(Address::Ip(host))) => Some(host),
            _ => None,
        };

        // An empty label is no label: Stratosphere's files often have the column and leave it blank.
        let has_label = record.label.as_deref().is_some_and(|label| !super::labels::trimmed(label).is_empty());

        let time_us = record.window_start_us.unwrap_or(record.start_us);
        self.newest_us = self.newest_us.max(time_us);
        self.reach(self.newest_us);
        let marks = RecordMarks { record_start_us, labelled_normal, acting_bot };
        let late = match record.window_start_us {
            // A record from packets is its window's.
            Some(window_start_us) => {
                let mut record = Some(record);
                self.each_window(std::iter::once(window_start_us), &marks, |window, _, lan, starts_here| {
                    if let Some(record) = record.take() {
                        window.add(Cow::Owned(record), class, lan, starts_here, has_label);
                    }
                })
            }
            // A flow file's is cut into the windows its packets fall in; the pieces for windows
            // the input has not reached are made when it reaches them. Each piece is made into
            // the same record (`self.piece`), taken out meanwhile.
            None => {
                let cut = RecordCut::new(&record, self.options.window_us, self.options.step_us);
                let mut piece = self.piece.take().unwrap_or_else(|| record.clone());
                let late = if cut.last_window_start_us() > self.reached_us {
                    let future = FutureRecord::new(record, cut, record_start_us, has_label, class);
                    let reached_us = self.reached_us;
                    self.each_window(future.cut().windows(), &marks, |window, window_start_us, lan, starts_here| {
                        if window_start_us > reached_us {
                            window.future.push(Arc::clone(&future));
                        } else {
                            future.piece_into(window_start_us, &mut piece);
                            window.add(Cow::Borrowed(&piece), class, lan, starts_here, has_label);
                        }
                    })
                } else {
                    self.each_window(cut.windows(), &marks, |window, window_start_us, lan, starts_here| {
                        cut.piece_into(&record, window_start_us, &mut piece);
                        window.add(Cow::Borrowed(&piece), class, lan, starts_here, has_label);
                    })
                };
                self.piece = Some(piece);
                late
            }
        };
        if late {
            self.stats.late_records += 1;
        }
        let rows_bytes = self.open.values().map(|window| window.flows.bytes() as u64).sum::<u64>();
        self.stats.peak_flow_rows_bytes = self.stats.peak_flow_rows_bytes.max(rows_bytes);
        self.close_due(out);
    }

    /// Calls `add` with each of `windows` (opened if need be) that has not closed, once the
    /// record's labels are noted there; says whether some had closed (the record is late).
    fn each_window(
        &mut self,
        windows: impl Iterator<Item = i64>,
        marks: &RecordMarks,
        mut add: impl FnMut(&mut OpenWindow, i64, &Lan, bool),
    ) -> bool {
        let window_us = self.options.window_us;
        let budget_bytes = self.window_rows_budget_bytes;
        let mut late = false;
        for window_start_us in windows {
            if self.closed_through.is_some_and(|closed| window_start_us <= closed) {
                late = true;
                continue;
            }
            let evictions_ahead = &mut self.evictions_ahead;
            let keep_records = self.options.flow_records;
            let window = self.open.entry(window_start_us).or_insert_with(|| OpenWindow {
                flows: RowSample::new(budget_bytes, window_start_us, keep_records),
                future: Vec::new(),
                flows_evicted_early: evictions_ahead.remove(&window_start_us).unwrap_or(0),
                hosts: FastMap::default(),
                normal_hosts: FastSet::default(),
                acting_bots: FastSet::default(),
            });
            let starts_here = (window_start_us..window_start_us.saturating_add(window_us)).contains(&marks.record_start_us);
            if let Some(host) = marks.labelled_normal {
                window.normal_hosts.insert(host);
            }
            if let Some(bot) = marks.acting_bot.filter(|_| starts_here) {
                window.acting_bots.insert(bot);
            }
            add(window, window_start_us, &self.options.lan, starts_here);
        }
        late
    }

    /// The input has reached `time_us`: the open windows starting at or before it get the
    /// pieces held for them, and pieces for them are added as their records come from now on.
    fn reach(&mut self, time_us: i64) {
        if time_us <= self.reached_us {
            return;
        }
        let window_us = self.options.window_us;
        let mut piece = self.piece.take();
        for (&window_start_us, window) in self.open.range_mut(self.reached_us.saturating_add(1)..=time_us) {
            if let Some(first) = window.future.first() {
                let piece = piece.get_or_insert_with(|| first.record().clone());
                window.add_future_pieces(window_start_us, window_us, &self.options.lan, piece);
            }
        }
        self.piece = piece;
        self.reached_us = time_us;
    }

    /// Emits every window still open.
    pub fn finish(&mut self, out: &mut Vec<WindowFeatures>) {
        while let Some((start, window)) = self.open.pop_first() {
            self.emit(start, window, out);
        }
    }

    /// The flow engine will emit no more records of windows starting at or before
    /// `window_start_us` (`FlowEngine::closed_through_us`): those windows close now, without
    /// waiting for records a step past their end. A live capture closes its windows so, as
    /// soon as they end; files keep the wait, which a flow file out of time order needs.
    pub fn close_through(&mut self, window_start_us: i64, out: &mut Vec<WindowFeatures>) {
        while let Some(entry) = self.open.first_entry() {
            if *entry.key() > window_start_us {
                break;
            }
            let (start, window) = entry.remove_entry();
            self.emit(start, window, out);
        }
    }

    /// A window closes once records a step past its end have arrived: records from packets
    /// come a window at a time (a step apart, with early evictions up to a step ahead), and a
    /// flow file may be a step out of time order.
    fn close_due(&mut self, out: &mut Vec<WindowFeatures>) {
        let horizon = self.options.window_us + self.options.step_us;
        while let Some(entry) = self.open.first_entry() {
            if entry.key().saturating_add(horizon) > self.newest_us {
                break;
            }
            let (start, window) = entry.remove_entry();
            self.emit(start, window, out);
        }
    }

    fn emit(&mut self, window_start_us: i64, mut window: OpenWindow, out: &mut Vec<WindowFeatures>) {
        if let Some(first) = window.future.first() {
            let mut piece = self.piece.take().unwrap_or_else(|| first.record().clone());
            window.add_future_pieces(window_start_us, self.options.window_us, &self.options.lan, &mut piece);
            self.piece = Some(piece);
        }
        self.closed_through = Some(self.closed_through.map_or(window_start_us, |closed| closed.max(window_start_us)));
        let mut hosts: Vec<(IpAddr16, HostWindow)> = window.hosts.into_iter().collect();
        hosts.sort_unstable_by_key(|(address, _)| *address);
        // The flows' rows name their hosts by id (their order of arrival); the hosts' rows are
        // in address order.
        let mut row_of_id = vec![-1i32; hosts.len()];
        for (row, (_, host)) in hosts.iter().enumerate() {
            row_of_id[host.id as usize] = row as i32;
        }
        let host_row = |id: i32| usize::try_from(id).map_or(-1, |id| row_of_id[id]);

        let flow_rows_dropped = window.flows.dropped();
        let (ordered, rows) = window.flows.into_ordered_rows();
        let flow_count = rows.classes.len();
        let (flow_repeat_of, flow_features) = if self.options.omit_repeated_rows {
            // Read where they were written: the window's rows are never put together.
            self.repeated_flow_rows.next_window_unrepeated(ordered)
        } else {
            let features = ordered.into_vec();
            (self.repeated_flow_rows.next_window(&features), features)
        };
        let flow_classes = rows.classes;
        let flow_src_host = rows.src_hosts.into_iter().map(host_row).collect();
        let flow_dst_host = rows.dst_hosts.into_iter().map(host_row).collect();
        let flows = rows.records;

        let mut host_features = vec![0f32; hosts.len() * HOST_FEATURE_COUNT];
        let mut host_evidence = Vec::with_capacity(hosts.len());
        for ((address, host), row) in hosts.iter().zip(host_features.chunks_exact_mut(HOST_FEATURE_COUNT)) {
            self.memory.remember_served(*address, host.activity.served());
            host_evidence.push(host.activity.write_features(&self.memory.history(window_start_us, address), row));
        }
        let mut host_labels = Vec::with_capacity(hosts.len());
        for (address, host) in &hosts {
            let label = if self.is_infected(address) {
                // Where labels speak of the host, they decide; where none of its flows here
                // carries one (a flow file without labels, a user's capture), a known bot that
                // opens connections is taken to be acting as one.
                if window.acting_bots.contains(address) || (!host.labelled && host.initiated) {
                    HostLabel::Infected
                } else {
                    HostLabel::InfectedIdle
                }
            } else if window.normal_hosts.contains(address) {
                HostLabel::Normal
            } else {
                HostLabel::Unknown
            };
            host_labels.push(label);
        }

        self.stats.windows += 1;
        self.stats.flow_rows += flow_count as u64;
        self.stats.host_rows += hosts.len() as u64;
        self.stats.flow_rows_dropped += flow_rows_dropped;
        let addresses: Vec<IpAddr16> = hosts.iter().map(|(address, _)| *address).collect();
        let dsts = hosts.into_iter().map(|(address, host)| (address, host.activity.into_dst_addrs())).collect();
        self.memory.remember_window(window_start_us, dsts);
        out.push(WindowFeatures {
            window_start_us,
            flows,
            flow_classes,
            flow_features,
            repeated_rows_omitted: self.options.omit_repeated_rows,
            flow_repeat_of,
            flow_src_host,
            flow_dst_host,
            hosts: addresses,
            host_labels,
            host_features,
            host_evidence,
            flows_evicted_early: window.flows_evicted_early,
            flow_rows_dropped,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::cidr::Cidr;
    use crate::features::schema::{index_of, FLOW_FEATURES, HOST_FEATURES};
    use crate::features::write_flow_features;
    use crate::flowfile::{FlowFileOptions, FlowFileReader};

    const HEADER: &str = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes,Label";

    fn records(lines: &[&str]) -> Vec<FlowRecord> {
        let text = format!("{HEADER}\n{}\n", lines.join("\n"));
        let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "t.binetflow", FlowFileOptions::default()).unwrap();
        let mut out = Vec::new();
        reader.next_batch(1000, &mut out).unwrap();
        out
    }

    fn ctu_options() -> FeatureOptions {
        FeatureOptions { lan: Lan::new(vec![Cidr::parse("147.32.0.0/16").unwrap()]), ..FeatureOptions::default() }
    }

    fn run(options: FeatureOptions, input: Vec<FlowRecord>) -> (Vec<WindowFeatures>, FeatureStats) {
        let mut builder = FeatureBuilder::new(options).unwrap();
        let mut out = Vec::new();
        for record in input {
            builder.push(record, &mut out);
        }
        builder.finish(&mut out);
        (out, builder.stats())
    }

    fn host_value(window: &WindowFeatures, host: [u8; 4], name: &str) -> f32 {
        let row = window.hosts.iter().position(|h| *h == IpAddr16::from_v4(host)).expect("host has a row");
        window.host_features[row * HOST_FEATURE_COUNT + index_of(HOST_FEATURES, name)]
    }

    #[test]
    fn close_through_emits_the_windows_the_engine_has_closed_without_waiting_a_step() {
        // Records as a live capture's engine emits them: a window's records, then its close.
        let mut builder = FeatureBuilder::new(ctu_options()).unwrap();
        let mut out = Vec::new();
        let start_us = 1_313_488_800 * 1_000_000;
        for mut record in records(&SPAM_THEN_DNS) {
            record.window_start_us = Some(start_us);
            builder.push(record, &mut out);
        }
        assert!(out.is_empty(), "push alone waits for records a step past the window's end");
        builder.close_through(start_us - 1, &mut out);
        assert!(out.is_empty(), "an earlier close leaves the window open");
        builder.close_through(start_us, &mut out);
        assert_eq!(out.iter().map(|w| w.window_start_us).collect::<Vec<_>>(), [start_us]);
        assert_eq!(out[0].flows.len(), 2);
        out.clear();
        builder.finish(&mut out);
        assert!(out.is_empty(), "nothing left open");
    }

    // Times are UTC epoch seconds 1313488800 = 2011/08/16 10:00:00, a multiple of 150.
    /// A spam attempt at 10:01 and a DNS query at 10:03 by the bot.
    const SPAM_THEN_DNS: [&str; 2] = [
        "2011/08/16 10:01:00.000000,1.0,tcp,147.32.84.165,1040,   ->,65.55.92.152,25,S_RA,0,0,4,244,124,flow=From-Botnet-V47-1-TCP-Attempt-SPAM",
        "2011/08/16 10:03:00.000000,0.5,udp,147.32.84.165,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,flow=Background-UDP",
    ];

    #[test]
    fn a_flow_file_record_counts_in_both_windows_holding_its_start() {
        let input = records(&SPAM_THEN_DNS);
        let (windows, stats) = run(ctu_options(), input);
        let starts: Vec<i64> = windows.iter().map(|w| w.window_start_us / 1_000_000).collect();
        // 10:01 lies in windows 09:57:30 and 10:00:00; 10:03 in 10:00:00 and 10:02:30.
        assert_eq!(starts, vec![1313488650, 1313488800, 1313488950]);
        assert_eq!(windows.iter().map(|w| w.flows.len()).collect::<Vec<_>>(), vec![1, 2, 1]);
        assert_eq!((stats.records, stats.flow_rows, stats.windows, stats.late_records), (2, 4, 3, 0));

        let middle = &windows[1];
        // Both ends of the DNS flow are LAN hosts; the spam server is not.
        assert_eq!(middle.hosts, vec![IpAddr16::from_v4([147, 32, 80, 9]), IpAddr16::from_v4([147, 32, 84, 165])]);
        assert_eq!((middle.flow_src_host.clone(), middle.flow_dst_host.clone()), (vec![1, 1], vec![-1, 0]));
        assert_eq!(middle.flow_classes, vec![FlowClass::Botnet, FlowClass::Background]);
        assert_eq!(middle.host_labels, vec![HostLabel::Unknown, HostLabel::Infected]);
        assert_eq!(host_value(middle, [147, 32, 84, 165], "flows_initiated"), 2.0);
        assert_eq!(host_value(middle, [147, 32, 84, 165], "smtp_servers"), 1.0);
        assert_eq!(host_value(middle, [147, 32, 84, 165], "bytes_up"), 124.0 + 80.0);
        assert_eq!(host_value(middle, [147, 32, 80, 9], "flows_received"), 1.0);
        assert_eq!(host_value(middle, [147, 32, 80, 9], "bytes_up"), 120.0);
        let smtp = index_of(FLOW_FEATURES, "dst_port_is_smtp");
        assert_eq!((middle.flow_features[smtp], middle.flow_features[FLOW_FEATURE_COUNT + smtp]), (1.0, 0.0));
    }

    #[test]
    fn a_flow_row_unchanged_in_the_next_window_points_back_at_its_row_before() {
        let input = records(&SPAM_THEN_DNS);
        let (windows, _) = run(ctu_options(), input);
        // Windows 09:57:30 [spam], 10:00:00 [spam, dns], 10:02:30 [dns]: each record lies
        // whole in both windows that hold it, so its row is the same in both.
        let repeats: Vec<Vec<i32>> = windows.iter().map(|w| w.flow_repeat_of.clone()).collect();
        assert_eq!(repeats, vec![vec![-1], vec![0, -1], vec![1]]);
        for (before, after) in windows.iter().zip(&windows[1..]) {
            for (row, &repeat_of) in after.flow_repeat_of.iter().enumerate() {
                if repeat_of >= 0 {
                    let at = |w: &WindowFeatures, row: usize| w.flow_features[row * FLOW_FEATURE_COUNT..(row + 1) * FLOW_FEATURE_COUNT].to_vec();
                    assert_eq!(at(after, row), at(before, repeat_of as usize));
                }
            }
        }
    }

    #[test]
    fn to_botnet_makes_the_destination_the_bot_and_normal_labels_name_hosts() {
        let input = records(&[
            "2011/08/16 10:01:00.000000,1.0,tcp,147.32.84.10,1040,   ->,147.32.84.191,6667,S_RA,0,0,4,244,124,flow=To-Botnet-V52-IRC",
            "2011/08/16 10:01:01.000000,1.0,tcp,147.32.84.170,1041,   ->,8.8.8.8,443,S_RA,0,0,4,244,124,flow=From-Normal-V47-Grill",
        ]);
        let (windows, _) = run(ctu_options(), input);
        let window = &windows[0];
        let label_of = |host: [u8; 4]| window.host_labels[window.hosts.iter().position(|h| *h == IpAddr16::from_v4(host)).unwrap()];
        assert_eq!(label_of([147, 32, 84, 191]), HostLabel::Infected);
        assert_eq!(label_of([147, 32, 84, 10]), HostLabel::Unknown);
        assert_eq!(label_of([147, 32, 84, 170]), HostLabel::Normal);
    }

    #[test]
    fn a_piece_read_the_other_way_names_the_records_bot_not_its_initiator() {
        // The sidecar's record: the bot asks the DNS server. The piece starts with the answer.
        let sidecar = "start_us,last_us,proto,src_addr,src_port,dst_addr,dst_port,state,total_pkts,total_bytes,src_bytes,label\n\
                       1313488860000000,1313488861000000,udp,147.32.84.165,1025,147.32.80.9,53,CON,2,200,80,flow=From-Botnet-V47-DNS\n";
        let labels = LabelIndex::read(sidecar.as_bytes()).unwrap();
        let mut piece = records(&["2011/08/16 10:01:00.500000,0.5,udp,147.32.80.9,53,   ->,147.32.84.165,1025,INT,0,,1,120,120,"]).remove(0);
        piece.label = None;
        piece.window_start_us = Some(1_313_488_800_000_000);
        let (windows, stats) = run(FeatureOptions { labels: Some(labels), ..ctu_options() }, vec![piece]);
        assert_eq!(stats.sidecar_labelled, 1);
        assert_eq!(windows[0].flow_classes, vec![FlowClass::Botnet]);
        assert_eq!(windows[0].hosts, vec![IpAddr16::from_v4([147, 32, 80, 9]), IpAddr16::from_v4([147, 32, 84, 165])]);
        assert_eq!(windows[0].host_labels, vec![HostLabel::Unknown, HostLabel::Infected]);
    }

    #[test]
    fn given_infected_hosts_are_infected_and_idle_where_no_label_names_them() {
        let input = records(&["2011/08/16 10:01:00.000000,1.0,udp,147.32.84.192,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,flow=Background"]);
        let options = FeatureOptions { infected: vec![IpAddr16::from_v4([147, 32, 84, 192])], ..ctu_options() };
        let (windows, _) = run(options, input);
        // Known to be infected, but its flow here is labelled and no botnet label names it: idle.
        assert_eq!(windows[0].host_labels, vec![HostLabel::Unknown, HostLabel::InfectedIdle]);
    }

    fn label_of(window: &WindowFeatures, host: [u8; 4]) -> HostLabel {
        window.host_labels[window.hosts.iter().position(|h| *h == IpAddr16::from_v4(host)).expect("host has a row")]
    }

    fn infected(hosts: &[[u8; 4]]) -> FeatureOptions {
        FeatureOptions { infected: hosts.iter().map(|h| IpAddr16::from_v4(*h)).collect(), ..ctu_options() }
    }

    // The three cases of a known bot's label in a window. Each input lies in the windows
    // 09:57:30 and 10:00:00; the assertions look at the second.

    #[test]
    fn a_known_bot_is_infected_where_a_botnet_label_names_it() {
        // The bot only receives here, and only this one flow is labelled: the label decides.
        let input = records(&["2011/08/16 10:01:00.000000,1.0,tcp,147.32.84.10,1040,   ->,147.32.84.191,6667,S_RA,0,0,4,244,124,flow=To-Botnet-V52-IRC"]);
        let (windows, _) = run(infected(&[[147, 32, 84, 191]]), input);
        assert_eq!(label_of(&windows[1], [147, 32, 84, 191]), HostLabel::Infected);
    }

    #[test]
    fn a_known_bot_without_labels_is_infected_where_it_initiates_a_flow() {
        // A Stratosphere file whose Label column is blank, and one without the column: host-level
        // truth only. The bot .112 opens a flow; .113, also a bot, only answers one.
        let blank = records(&[
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.84.112,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
            "2011/08/16 10:01:30.000000,1.0,tcp,147.32.80.9,1026,   ->,147.32.84.113,445,S_,0,0,1,62,62,",
        ]);
        let header = "StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes";
        let text = format!(
            "{header}\n{}\n{}\n",
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.84.112,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80",
            "2011/08/16 10:01:30.000000,1.0,tcp,147.32.80.9,1026,   ->,147.32.84.113,445,S_,0,0,1,62,62",
        );
        let mut reader = FlowFileReader::from_read(Box::new(std::io::Cursor::new(text.into_bytes())), "n.binetflow", FlowFileOptions::default()).unwrap();
        let mut no_column = Vec::new();
        reader.next_batch(10, &mut no_column).unwrap();
        assert!(no_column.iter().all(|r| r.label.is_none()));
        for input in [blank, no_column] {
            let (windows, _) = run(infected(&[[147, 32, 84, 112], [147, 32, 84, 113]]), input);
            assert_eq!(label_of(&windows[1], [147, 32, 84, 112]), HostLabel::Infected);
            assert_eq!(label_of(&windows[1], [147, 32, 84, 113]), HostLabel::InfectedIdle, "it initiated nothing here");
            assert_eq!(label_of(&windows[1], [147, 32, 80, 9]), HostLabel::Unknown);
        }
    }

    #[test]
    fn a_known_bot_whose_flows_are_labelled_but_none_botnet_is_idle() {
        // CTU-13 Background and Normal, IoT-23 Benign: the labeller saw nothing of the bot
        // here, even though it opens flows. One labelled flow among unlabelled ones is enough.
        let input = records(&[
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.84.165,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,flow=Background-UDP-Established",
            "2011/08/16 10:01:10.000000,1.0,tcp,147.32.84.165,1026,   ->,8.8.8.8,443,S_RA,0,0,4,244,124,",
            "2011/08/16 10:01:20.000000,1.0,tcp,147.32.84.170,1027,   ->,147.32.84.166,80,S_RA,0,0,4,244,124,flow=From-Normal-V47-Grill",
        ]);
        let (windows, _) = run(infected(&[[147, 32, 84, 165], [147, 32, 84, 166]]), input);
        assert_eq!(label_of(&windows[1], [147, 32, 84, 165]), HostLabel::InfectedIdle);
        // A From-Normal flow names its source normal; its destination, a known bot, is idle.
        assert_eq!(label_of(&windows[1], [147, 32, 84, 166]), HostLabel::InfectedIdle);
        assert_eq!(label_of(&windows[1], [147, 32, 84, 170]), HostLabel::Normal);
    }

    #[test]
    fn every_host_of_an_infected_range_is_a_known_bot() {
        let input = records(&[
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.84.112,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.85.1,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
        ]);
        let options = FeatureOptions { infected_ranges: vec![Cidr::parse("147.32.84.0/24").unwrap()], ..ctu_options() };
        let mut builder = FeatureBuilder::new(options).unwrap();
        let mut windows = Vec::new();
        for record in input {
            builder.push(record, &mut windows);
        }
        builder.finish(&mut windows);
        assert_eq!(label_of(&windows[1], [147, 32, 84, 112]), HostLabel::Infected);
        assert_eq!(label_of(&windows[1], [147, 32, 85, 1]), HostLabel::Unknown);
        assert_eq!(builder.infected_hosts(), vec![IpAddr16::from_v4([147, 32, 84, 112])]);
    }

    #[test]
    fn windows_close_as_time_passes_and_late_records_are_counted() {
        let mut builder = FeatureBuilder::new(ctu_options()).unwrap();
        let mut out = Vec::new();
        let mut input = records(&[
            "2011/08/16 10:01:00.000000,1.0,udp,147.32.84.1,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
            // 10:10:00 is a step past the end of the window 10:00:00-10:05:00.
            "2011/08/16 10:10:00.000000,1.0,udp,147.32.84.1,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
            "2011/08/16 10:01:30.000000,1.0,udp,147.32.84.1,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,",
        ])
        .into_iter();
        builder.push(input.next().unwrap(), &mut out);
        assert!(out.is_empty());
        builder.push(input.next().unwrap(), &mut out);
        assert_eq!(out.iter().map(|w| w.window_start_us / 1_000_000).collect::<Vec<_>>(), vec![1313488650, 1313488800]);
        builder.push(input.next().unwrap(), &mut out);
        assert_eq!(builder.stats().late_records, 1, "both windows holding 10:01:30 had closed");
        builder.finish(&mut out);
        assert_eq!(out.len(), 4);
        assert!(out.windows(2).all(|pair| pair[0].window_start_us < pair[1].window_start_us));
    }

    #[test]
    fn records_from_packets_count_in_their_own_window_only() {
        let mut input = records(&["2011/08/16 10:01:00.000000,1.0,udp,147.32.84.1,1025,   ->,147.32.80.9,53,CON,0,0,2,200,80,"]);
        input[0].window_start_us = Some(1_313_488_800_000_000);
        let (windows, _) = run(ctu_options(), input);
        assert_eq!(windows.len(), 1);
        assert_eq!(windows[0].window_start_us, 1_313_488_800_000_000);
    }

    #[test]
    fn past_its_share_of_the_budget_a_window_drops_flow_rows_but_its_hosts_count_every_flow() {
        // The smallest budget: 16 MiB, three quarters for rows, shared by the three open windows
        // and the one last emitted.
        let memory = MemoryBudget { memcap_bytes: MemoryBudget::MIN_MEMCAP_BYTES };
        let mut builder = FeatureBuilder::new(FeatureOptions { memory, ..ctu_options() }).unwrap();
        let template = records(&["2011/08/16 10:01:00.000000,0.0,tcp,147.32.84.165,1040,   ->,45.33.0.1,445,S_,0,0,1,60,60,"]).remove(0);
        let window_start_us = 1_313_488_800_000_000;
        builder.count_evictions(&[WindowEvictions { window_start_us, flows_evicted_early: 7, flows_evicted_memcap: 7 }]);
        let mut out = Vec::new();
        for n in 0..100_000u32 {
            let mut record = template.clone();
            record.window_start_us = Some(window_start_us);
            record.start_us += i64::from(n);
            record.src_port = Some((n % 60_000) as u16);
            builder.push(record, &mut out);
        }
        builder.count_evictions(&[WindowEvictions { window_start_us, flows_evicted_early: 3, flows_evicted_memcap: 3 }]);
        builder.finish(&mut out);
        let window = &out[0];
        let share = memory.window_rows_bytes() / 4;
        let row_bytes = RowSample::row_bytes(&template);
        assert_eq!(window.flows.len(), share / row_bytes);
        assert_eq!(window.flow_rows_dropped, 100_000 - window.flows.len() as u64);
        assert_eq!(window.flow_features.len(), window.flows.len() * FLOW_FEATURE_COUNT);
        assert_eq!(window.flows_evicted_early, 10, "counted before and after its first record");
        assert_eq!(host_value(window, [147, 32, 84, 165], "flows_initiated"), 100_000.0);
        let stats = builder.stats();
        assert_eq!((stats.flow_rows, stats.flow_rows_dropped), (window.flows.len() as u64, window.flow_rows_dropped));
        assert!(stats.peak_flow_rows_bytes <= share as u64 && stats.flow_rows_budget_bytes == memory.window_rows_bytes() as u64);
    }

    #[test]
    fn a_window_that_is_not_a_multiple_of_the_step_is_refused() {
        let error = FeatureBuilder::new(FeatureOptions { window_us: 200_000_000, ..FeatureOptions::default() }).err().unwrap();
        assert_eq!(error.code, ErrorCode::BadOption);
    }

    #[test]
    fn pieces_for_windows_ahead_reach_them_in_the_order_their_records_came() {
        // An hour-long connection, then records in the windows it reaches ahead of the input:
        // each window's rows are its pieces, in the order their records came, as if every
        // piece had been added when its record came.
        let input = records(&[
            "2011/08/16 10:00:00.000000,3600.000000,tcp,147.32.84.165,1040,   ->,1.2.3.4,443,FSPA_FSPA,0,0,3601,2000000,500000,flow=Background",
            "2011/08/16 10:00:05.000000,1.000000,udp,147.32.84.165,5353,  <->,147.32.80.9,53,CON,0,0,2,200,100,flow=Background",
            "2011/08/16 10:20:00.000000,2.000000,tcp,147.32.84.165,1041,   ->,5.6.7.8,25,S_RA,0,0,2,120,60,flow=Background",
            "2011/08/16 10:40:00.000000,900.000000,tcp,147.32.84.170,1042,   ->,1.2.3.4,443,FSPA_FSPA,0,0,901,90000,30000,flow=Background",
            "2011/08/16 11:10:00.000000,1.000000,tcp,147.32.84.165,1043,   ->,5.6.7.8,80,S_RA,0,0,2,120,60,flow=Background",
        ]);
        let options = ctu_options();
        let (window_us, step_us) = (options.window_us, options.step_us);
        let mut expected: BTreeMap<i64, Vec<f32>> = BTreeMap::new();
        for record in &input {
            for (window_start_us, piece) in super::super::record_pieces::record_pieces(record.clone(), window_us, step_us) {
                let mut row = [0f32; FLOW_FEATURE_COUNT];
                write_flow_features(&piece, &mut row);
                expected.entry(window_start_us).or_default().extend_from_slice(&row);
            }
        }
        let (windows, stats) = run(options, input);
        assert_eq!(stats.late_records, 0);
        let got: BTreeMap<i64, Vec<f32>> = windows.into_iter().map(|w| (w.window_start_us, w.flow_features)).collect();
        assert_eq!(got.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
        for (window_start_us, rows) in &expected {
            let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&got[window_start_us]), bits(rows), "window {window_start_us}");
        }
        assert!(expected.len() > 20, "the hour-long record reaches every window of its hour");
    }

    /// A window as the scorer sees it, without its records: every value, features as bits.
    fn rows_of(window: &WindowFeatures) -> String {
        let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        format!(
            "{} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {} {}",
            window.window_start_us,
            window.flow_classes,
            bits(&window.flow_features),
            window.flow_repeat_of,
            window.flow_src_host,
            window.flow_dst_host,
            window.hosts,
            window.host_labels,
            bits(&window.host_features),
            window.host_evidence,
            window.flows_evicted_early,
            window.flow_rows_dropped
        )
    }

    /// Records of a flow file over twenty minutes, some lasting an hour, between LAN hosts and
    /// outside ones, with labels of each class and of different lengths.
    fn varied_records(count: u32) -> Vec<FlowRecord> {
        let template = records(&[
            "2011/08/16 10:00:00.000000,0.5,tcp,147.32.84.165,1040,   ->,147.32.84.9,445,S_RA,0,0,4,244,124,flow=From-Botnet-V47-1-TCP-Attempt",
            "2011/08/16 10:00:00.000000,3600.0,tcp,147.32.84.170,1041,   ->,1.2.3.4,443,FSPA_FSPA,0,0,3601,2000000,500000,flow=Background-TCP-Established",
            "2011/08/16 10:00:00.000000,2.0,udp,147.32.84.9,53,   ->,147.32.84.9,53,CON,0,0,2,200,100,flow=From-Normal-V47-Grill",
            "2011/08/16 10:00:00.000000,600.0,udp,8.8.8.8,53,   ->,147.32.84.191,1025,INT,0,0,7,700,700,",
        ]);
        (0..count)
            .map(|n| {
                let mut record = template[n as usize % template.len()].clone();
                record.start_us += i64::from(n) * 60_000;
                record.last_us += i64::from(n) * 60_000;
                record.src_port = Some(1024 + (n % 50_000) as u16);
                record
            })
            .collect()
    }

    #[test]
    fn without_their_records_the_windows_have_the_same_rows() {
        // Under the budget, and past it (the smallest budget: a few thousand rows a window).
        for memory in [MemoryBudget::default(), MemoryBudget { memcap_bytes: MemoryBudget::MIN_MEMCAP_BYTES }] {
            let input = varied_records(20_000);
            let (with, with_stats) = run(FeatureOptions { memory, ..ctu_options() }, input.clone());
            let (without, without_stats) = run(FeatureOptions { memory, flow_records: false, ..ctu_options() }, input);
            assert_eq!(with_stats, without_stats);
            assert!(with.len() > 8);
            assert_eq!(with.iter().map(rows_of).collect::<Vec<_>>(), without.iter().map(rows_of).collect::<Vec<_>>());
            assert!(with.iter().all(|w| w.flows.len() == w.flow_classes.len()) && without.iter().all(|w| w.flows.is_empty()));
            let dropped = with_stats.flow_rows_dropped;
            assert!(if memory == MemoryBudget::default() { dropped == 0 } else { dropped > 0 }, "{dropped} rows dropped");
        }
    }

    #[test]
    fn omitting_repeated_rows_leaves_out_those_rows_and_nothing_else() {
        for memory in [MemoryBudget::default(), MemoryBudget { memcap_bytes: MemoryBudget::MIN_MEMCAP_BYTES }] {
            let input = varied_records(20_000);
            let options = || FeatureOptions { memory, flow_records: false, ..ctu_options() };
            let (all, all_stats) = run(options(), input.clone());
            let (omitted, omitted_stats) = run(FeatureOptions { omit_repeated_rows: true, ..options() }, input);
            assert_eq!(all_stats, omitted_stats);
            assert_eq!(all.len(), omitted.len());
            let mut repeats = 0;
            for (mut all, omitted) in all.into_iter().zip(omitted) {
                assert!(!all.repeated_rows_omitted && omitted.repeated_rows_omitted);
                let rows = all.flow_features.chunks(FLOW_FEATURE_COUNT).zip(&all.flow_repeat_of);
                let unrepeated: Vec<f32> = rows.filter(|(_, &of)| of < 0).flat_map(|(row, _)| row.to_vec()).collect();
                repeats += all.flow_repeat_of.iter().filter(|&&of| of >= 0).count();
                let bits = |values: &[f32]| values.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&omitted.flow_features), bits(&unrepeated));
                all.flow_features = omitted.flow_features.clone();
                all.repeated_rows_omitted = true;
                assert_eq!(rows_of(&all), rows_of(&omitted));
            }
            assert!(repeats > 1_000, "{repeats} rows repeat one of the window before");
        }
    }

    #[test]
    fn a_windows_records_are_its_records_pieces_in_the_order_they_came() {
        let input = varied_records(3_000);
        let options = ctu_options();
        let (window_us, step_us) = (options.window_us, options.step_us);
        let mut expected: BTreeMap<i64, Vec<FlowRecord>> = BTreeMap::new();
        for record in &input {
            for (window_start_us, piece) in super::super::record_pieces::record_pieces(record.clone(), window_us, step_us) {
                expected.entry(window_start_us).or_default().push(piece);
            }
        }
        let (windows, _) = run(options, input);
        let got: BTreeMap<i64, Vec<FlowRecord>> = windows.into_iter().map(|w| (w.window_start_us, w.flows)).collect();
        assert_eq!(got, expected);
    }
}
