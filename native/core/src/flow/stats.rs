//! What the engine counted besides flows.

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowEngineStats {
    pub packets: u64,
    pub ip_packets: u64,
    pub non_ip_packets: u64,
    pub undecodable_packets: u64,
    /// Packets older than one already seen.
    pub out_of_order_packets: u64,
    /// Windowed mode: packets that arrived after a window holding them had closed; they
    /// count in the windows still open.
    pub late_packets: u64,
    /// Windowed mode: packets so late that no window holding them was open; counted at the
    /// start of the oldest open bucket.
    pub late_packets_moved: u64,
    pub flows_emitted: u64,
    /// Records emitted before their time because a table reached `max_active_flows` or the
    /// tables their share of the memory budget (one per flow and open window it was in).
    pub flows_evicted_early: u64,
    /// Of those, the ones emitted because of the memory budget (`FlowEngine::peak_table_bytes`
    /// says how full the tables got).
    pub flows_evicted_memcap: u64,
    /// Later fragments joined to the flow of their first fragment.
    pub fragments_joined: u64,
    /// Later fragments whose first fragment was not seen: counted in a flow of their own
    /// (keyed by addresses, protocol and IP id, without ports), never in another flow.
    pub orphan_fragments: u64,
    /// Flows whose packet count reached 2³²−1 in one table (the count stays there).
    pub saturated_counters: u64,
    pub active_flows: u64,
    pub peak_active_flows: u64,
    /// Heap bytes of the flow tables (slots, entries, queues) divided by the flows they
    /// held, measured when the most flows were held.
    pub bytes_per_active_flow: u64,
}

/// Early evictions whose records belong to one window: a window's share of the counts above.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WindowEvictions {
    pub window_start_us: i64,
    pub flows_evicted_early: u64,
    pub flows_evicted_memcap: u64,
}
