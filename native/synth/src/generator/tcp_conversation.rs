//! One TCP connection as a mirror port near the client sees it: the handshake (or a refusal,
//! or SYNs nobody answers), messages cut into MSS-sized segments with cumulative ACKs every
//! second segment, window-paced or rate-paced, then a FIN or RST teardown. Sequence and
//! acknowledgement numbers are consistent, so tshark finds no lost segments.

use flowhound_core::packet::tcp_flag::{ACK, FIN, PSH, RST, SYN};
use crate::generator::activity::{Emitted, FlowCounter, Step, StepContext};
use crate::generator::app_payload::{text, AppKind, AppPayload};
use crate::generator::behaviour::Behaviour;
use crate::generator::flow_ends::FlowEnds;
use crate::packet_builder::TransportSpec;
use crate::prng::Rng;

const MS: i64 = 1_000;
const SECOND: i64 = 1_000_000;
/// Delayed-ACK timer: a lone segment is acknowledged this late unless data goes back first.
const DELAYED_ACK_US: i64 = 40 * MS;
const MAX_CWND_SEGMENTS: u32 = 64;
const CLIENT_WINDOW: u16 = 64_240;
const SERVER_WINDOW: u16 = 65_535;

/// How the server answers the SYN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Established,
    /// RST/ACK: the port is closed.
    Refused,
    /// No answer: the client sends `syn_attempts` SYNs, 3 s, 6 s, 12 s… apart, then gives up.
    Silent { syn_attempts: u8 },
    /// SYN/ACK, then the client resets (a SYN scan finding an open port).
    OpenThenReset,
}

/// How an established connection ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Teardown {
    ClientFin,
    ServerFin,
    ClientRst,
    ServerRst,
    /// No teardown before the flow goes quiet (connections cut by the capture's end,
    /// half-dead connections).
    Abandon,
}

/// How a message's segments are spaced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// Back-to-back at the flow's serialisation gap, a congestion window per round trip,
    /// the window doubling up to 64 segments.
    Window,
    /// One segment every `gap_us` (±20%): a rate-limited transfer.
    Rate { gap_us: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Message {
    pub from_client: bool,
    pub bytes: u64,
    /// Time from the end of the previous message (or the handshake) to the first segment.
    pub delay_us: i64,
    pub app: AppPayload,
    pub pace: Pace,
}

/// Request/response exchanges (web, C&C beacons).
#[derive(Clone, Copy, Debug)]
pub struct Exchanges {
    pub count: u32,
    pub request_median_bytes: f64,
    pub request_sigma: f64,
    pub response_median_bytes: f64,
    pub response_sigma: f64,
    pub response_max_bytes: f64,
    pub think_median_us: f64,
    pub think_sigma: f64,
    pub think_max_us: f64,
    pub server_time_median_us: f64,
    pub request_app: AppKind,
    pub response_app: AppKind,
}

#[derive(Clone, Copy, Debug)]
pub enum MessagePlan {
    None,
    Exchanges { spec: Exchanges, done: u32, awaiting_response: bool },
    /// An SMTP dialogue, rejected at RCPT or carrying a message of `body_bytes`.
    Smtp { step: u8, rejected_at_rcpt: bool, body_bytes: u32 },
    /// One long rate-paced transfer.
    Bulk { from_client: bool, bytes: u64, gap_us: i64, sent: bool },
}

impl MessagePlan {
    pub fn exchanges(spec: Exchanges) -> Self {
        MessagePlan::Exchanges { spec, done: 0, awaiting_response: false }
    }

    fn next(&mut self, rng: &mut Rng, rtt_us: i64, client_delay_us: i64) -> Option<Message> {
        match self {
            MessagePlan::None => None,
            MessagePlan::Exchanges { spec, done, awaiting_response } => {
                if *awaiting_response {
                    *awaiting_response = false;
                    *done += 1;
                    let bytes = rng.lognormal_clamped(spec.response_median_bytes, spec.response_sigma, 1.0, spec.response_max_bytes);
                    let server_time = rng.lognormal_clamped(spec.server_time_median_us, 1.0, 100.0, 5.0 * SECOND as f64);
                    let (bytes, app) = spec.response_app.message(bytes as u64);
                    return Some(Message {
                        from_client: false,
                        bytes,
                        delay_us: rtt_us + server_time as i64,
                        app,
                        pace: Pace::Window,
                    });
                }
                if *done >= spec.count {
                    return None;
                }
                *awaiting_response = true;
                let delay_us = if *done == 0 {
                    client_delay_us + rng.below(2 * MS as u64) as i64
                } else {
                    rng.lognormal_clamped(spec.think_median_us, spec.think_sigma, 1_000.0, spec.think_max_us) as i64
                };
                let bytes = rng.lognormal_clamped(spec.request_median_bytes, spec.request_sigma, 1.0, 64_000.0);
                let (bytes, app) = spec.request_app.message(bytes as u64);
                Some(Message { from_client: true, bytes, delay_us, app, pace: Pace::Window })
            }
            MessagePlan::Smtp { step, rejected_at_rcpt, body_bytes } => {
                let (from_client, line) = smtp_line(*step, *rejected_at_rcpt)?;
                *step += 1;
                let (bytes, app) = match line {
                    Some(line) => (line.len() as u64, AppPayload::Text(line)),
                    None => AppKind::SmtpBody.message(*body_bytes as u64),
                };
                let delay_us = if from_client {
                    client_delay_us + rng.below(3 * MS as u64) as i64
                } else {
                    // Greylisting-minded servers wait before the banner.
                    let think = if *step == 1 { rng.lognormal(150.0 * MS as f64, 1.0) } else { rng.lognormal(3.0 * MS as f64, 1.0) };
                    rtt_us + (think as i64).min(20 * SECOND)
                };
                Some(Message { from_client, bytes, delay_us, app, pace: Pace::Window })
            }
            MessagePlan::Bulk { from_client, bytes, gap_us, sent } => {
                if *sent {
                    return None;
                }
                *sent = true;
                Some(Message {
                    from_client: *from_client,
                    bytes: *bytes,
                    delay_us: client_delay_us + rtt_us,
                    app: AppPayload::None,
                    pace: Pace::Rate { gap_us: *gap_us },
                })
            }
        }
    }
}

/// Line `step` of the SMTP dialogue: (sent by the client, its text, `None` for the body).
fn smtp_line(step: u8, rejected_at_rcpt: bool) -> Option<(bool, Option<&'static [u8]>)> {
    type Line = (bool, Option<&'static [u8]>);
    const COMMON: [Line; 7] = [
        (false, Some(text::SMTP_BANNER)),
        (true, Some(text::SMTP_EHLO)),
        (false, Some(text::SMTP_EHLO_REPLY)),
        (true, Some(text::SMTP_MAIL_FROM)),
        (false, Some(text::SMTP_OK)),
        (true, Some(text::SMTP_RCPT_TO)),
        (false, Some(text::SMTP_OK)),
    ];
    const REJECTED: [Line; 3] =
        [(false, Some(text::SMTP_REJECT)), (true, Some(text::SMTP_QUIT)), (false, Some(text::SMTP_BYE))];
    const ACCEPTED: [Line; 6] = [
        (true, Some(text::SMTP_DATA)),
        (false, Some(text::SMTP_GO_AHEAD)),
        (true, None),
        (false, Some(text::SMTP_QUEUED)),
        (true, Some(text::SMTP_QUIT)),
        (false, Some(text::SMTP_BYE)),
    ];
    let step = step as usize;
    if rejected_at_rcpt {
        if step < 6 {
            Some(COMMON[step])
        } else {
            REJECTED.get(step - 6).copied()
        }
    } else if step < COMMON.len() {
        Some(COMMON[step])
    } else {
        ACCEPTED.get(step - COMMON.len()).copied()
    }
}

/// Everything that defines a connection before it starts.
#[derive(Clone, Copy, Debug)]
pub struct TcpSetup {
    pub behaviour: Behaviour,
    pub ends: FlowEnds,
    /// Round trip from the capture point to the server and back.
    pub rtt_us: i64,
    /// Round trip from the capture point to the client and back.
    pub client_delay_us: i64,
    /// Gap between back-to-back segments (serialisation at the bottleneck).
    pub gap_us: i64,
    pub outcome: Outcome,
    pub teardown: Teardown,
    /// Idle time between the last message and the teardown.
    pub teardown_delay_us: i64,
    pub plan: MessagePlan,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Syn { attempt: u8 },
    SynAck,
    HandshakeAck,
    RefuseRst,
    ScanReset,
    Data,
    Ack,
    Teardown,
    FinSecond,
    FinLastAck,
    Done,
}

/// The message being sent.
#[derive(Clone, Copy, Debug)]
struct Progress {
    from_client: bool,
    remaining: u64,
    first_segment: bool,
    app: AppPayload,
    pace: Pace,
    unacked: u8,
    window_sent: u32,
    cwnd: u32,
    window_start_us: i64,
}

pub struct TcpConversation {
    pub behaviour: Behaviour,
    setup: TcpSetup,
    flow: FlowCounter,
    mss: u32,
    client_isn: u32,
    client_seq: u32,
    server_seq: u32,
    state: State,
    progress: Progress,
    /// Whether this step's packet will be written (see `StepContext::writing`).
    writing: bool,
    /// Which end sends the pending ACK step.
    ack_from_client: bool,
    /// Where an ACK step leads, and when.
    resume_state: State,
    resume_us: i64,
}

impl TcpConversation {
    pub fn new(setup: TcpSetup, rng: &mut Rng) -> Self {
        let client_isn = rng.next_u32();
        let mss = if setup.ends.client.address.is_v4() { 1460 } else { 1440 };
        TcpConversation {
            behaviour: setup.behaviour,
            setup,
            flow: FlowCounter::default(),
            mss,
            client_isn,
            client_seq: client_isn,
            server_seq: rng.next_u32(),
            state: State::Syn { attempt: 0 },
            progress: Progress {
                from_client: true,
                remaining: 0,
                first_segment: true,
                app: AppPayload::None,
                pace: Pace::Window,
                unacked: 0,
                window_sent: 0,
                cwnd: 10,
                window_start_us: 0,
            },
            writing: false,
            ack_from_client: false,
            resume_state: State::Done,
            resume_us: 0,
        }
    }

    fn segment(&mut self, from_client: bool, flags: u8, seq: u32, ack: u32, payload_len: u32, app: AppPayload) -> Emitted {
        let (src_port, dst_port) = self.setup.ends.ports(from_client);
        let window = if from_client { CLIENT_WINDOW } else { SERVER_WINDOW };
        let transport = TransportSpec::Tcp { src_port, dst_port, flags, seq, ack, window };
        Emitted {
            spec: self.setup.ends.packet(from_client, transport, payload_len),
            app,
            starts_flow: self.flow.first_written(self.writing),
        }
    }

    /// Delay until the other end's packet shows up at the capture point.
    fn reply_delay_us(&self, replier_is_client: bool) -> i64 {
        if replier_is_client {
            self.setup.client_delay_us
        } else {
            self.setup.rtt_us
        }
    }

    fn seqs(&self, from_client: bool) -> (u32, u32) {
        if from_client {
            (self.client_seq, self.server_seq)
        } else {
            (self.server_seq, self.client_seq)
        }
    }

    fn advance_seq(&mut self, from_client: bool, by: u32) {
        let seq = if from_client { &mut self.client_seq } else { &mut self.server_seq };
        *seq = seq.wrapping_add(by);
    }

    /// After the handshake or a message: the next message, the teardown, or the end.
    fn after_message(&mut self, now_us: i64, rng: &mut Rng) -> (State, i64) {
        let next = self.setup.plan.next(rng, self.setup.rtt_us, self.setup.client_delay_us);
        match next {
            Some(message) => {
                self.progress = Progress {
                    from_client: message.from_client,
                    remaining: message.bytes.max(1),
                    first_segment: true,
                    app: message.app,
                    pace: message.pace,
                    unacked: 0,
                    window_sent: 0,
                    cwnd: 10,
                    window_start_us: 0,
                };
                (State::Data, now_us + message.delay_us.max(1))
            }
            None if self.setup.teardown == Teardown::Abandon => (State::Done, now_us),
            None => (State::Teardown, now_us + self.setup.teardown_delay_us.max(1)),
        }
    }

    pub fn step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        self.writing = context.writing;
        match self.state {
            State::Syn { attempt } => {
                let packet = self.segment(true, SYN, self.client_isn, 0, 0, AppPayload::None);
                let next_us = match self.setup.outcome {
                    Outcome::Established | Outcome::OpenThenReset => {
                        self.state = State::SynAck;
                        Some(now_us + self.setup.rtt_us)
                    }
                    Outcome::Refused => {
                        self.state = State::RefuseRst;
                        Some(now_us + self.setup.rtt_us)
                    }
                    Outcome::Silent { syn_attempts } if attempt + 1 < syn_attempts => {
                        self.state = State::Syn { attempt: attempt + 1 };
                        Some(now_us + ((3 * SECOND) << attempt.min(6)))
                    }
                    Outcome::Silent { .. } => None,
                };
                Step::emit(packet, next_us)
            }
            State::SynAck => {
                let packet =
                    self.segment(false, SYN | ACK, self.server_seq, self.client_isn.wrapping_add(1), 0, AppPayload::None);
                self.client_seq = self.client_isn.wrapping_add(1);
                self.server_seq = self.server_seq.wrapping_add(1);
                self.state = if self.setup.outcome == Outcome::OpenThenReset { State::ScanReset } else { State::HandshakeAck };
                Step::emit(packet, Some(now_us + self.setup.client_delay_us))
            }
            State::HandshakeAck => {
                let packet = self.segment(true, ACK, self.client_seq, self.server_seq, 0, AppPayload::None);
                let (state, at_us) = self.after_message(now_us, context.rng);
                self.state = state;
                Step::emit(packet, (state != State::Done).then_some(at_us))
            }
            State::RefuseRst => {
                let packet = self.segment(false, RST | ACK, 0, self.client_isn.wrapping_add(1), 0, AppPayload::None);
                Step::emit(packet, None)
            }
            State::ScanReset => {
                let packet = self.segment(true, RST, self.client_seq, 0, 0, AppPayload::None);
                Step::emit(packet, None)
            }
            State::Data => self.data_step(now_us, context),
            State::Ack => {
                let from_client = self.ack_from_client;
                let (seq, ack) = self.seqs(from_client);
                let packet = self.segment(from_client, ACK, seq, ack, 0, AppPayload::None);
                // Mid-message this acknowledges the segments in flight; after a message,
                // `progress` already describes the next one, which has none.
                self.progress.unacked = 0;
                self.state = self.resume_state;
                Step::emit(packet, (self.state != State::Done).then_some(self.resume_us))
            }
            State::Teardown => {
                let (closer_is_client, reset) = match self.setup.teardown {
                    Teardown::ClientFin => (true, false),
                    Teardown::ServerFin => (false, false),
                    Teardown::ClientRst => (true, true),
                    Teardown::ServerRst | Teardown::Abandon => (false, true),
                };
                let (seq, ack) = self.seqs(closer_is_client);
                if reset {
                    let packet = self.segment(closer_is_client, RST | ACK, seq, ack, 0, AppPayload::None);
                    return Step::emit(packet, None);
                }
                let packet = self.segment(closer_is_client, FIN | ACK, seq, ack, 0, AppPayload::None);
                self.advance_seq(closer_is_client, 1);
                self.state = State::FinSecond;
                Step::emit(packet, Some(now_us + self.reply_delay_us(!closer_is_client)))
            }
            State::FinSecond => {
                let other_is_client = self.setup.teardown == Teardown::ServerFin;
                let (seq, ack) = self.seqs(other_is_client);
                let packet = self.segment(other_is_client, FIN | ACK, seq, ack, 0, AppPayload::None);
                self.advance_seq(other_is_client, 1);
                self.state = State::FinLastAck;
                Step::emit(packet, Some(now_us + self.reply_delay_us(!other_is_client)))
            }
            State::FinLastAck => {
                let closer_is_client = self.setup.teardown == Teardown::ClientFin;
                let (seq, ack) = self.seqs(closer_is_client);
                let packet = self.segment(closer_is_client, ACK, seq, ack, 0, AppPayload::None);
                Step::emit(packet, None)
            }
            State::Done => Step::done(),
        }
    }

    fn data_step(&mut self, now_us: i64, context: &mut StepContext) -> Step {
        let from_client = self.progress.from_client;
        let segment_len = self.progress.remaining.min(self.mss as u64) as u32;
        let last = segment_len as u64 == self.progress.remaining;
        let flags = if last { ACK | PSH } else { ACK };
        let app = if self.progress.first_segment { self.progress.app } else { AppPayload::None };
        if self.progress.first_segment {
            self.progress.first_segment = false;
            self.progress.window_start_us = now_us;
        }
        let (seq, ack) = self.seqs(from_client);
        let packet = self.segment(from_client, flags, seq, ack, segment_len, app);
        self.advance_seq(from_client, segment_len);
        self.progress.remaining -= segment_len as u64;
        self.progress.unacked += 1;
        self.progress.window_sent += 1;
        let receiver_delay_us = self.reply_delay_us(!from_client);

        if last {
            let unacked = self.progress.unacked;
            let (state, at_us) = self.after_message(now_us, context.rng);
            // The receiver's own data carries the ACK when it answers within the delayed-ACK
            // time; otherwise it acknowledges on its own.
            let receiver_answers_soon =
                state == State::Data && self.progress.from_client != from_client && at_us - now_us <= DELAYED_ACK_US;
            if unacked >= 2 || !receiver_answers_soon {
                let ack_delay = if unacked >= 2 { receiver_delay_us } else { receiver_delay_us.max(DELAYED_ACK_US) };
                self.ack_from_client = !from_client;
                self.resume_state = state;
                self.resume_us = at_us;
                self.state = State::Ack;
                let ack_at = if state == State::Done { now_us + ack_delay } else { now_us + ack_delay.min((at_us - now_us) / 2) };
                return Step::emit(packet, Some(ack_at));
            }
            self.state = state;
            return Step::emit(packet, (state != State::Done).then_some(at_us));
        }

        let next_data_us = match self.progress.pace {
            Pace::Window => {
                if self.progress.window_sent >= self.progress.cwnd {
                    let window_end = self.progress.window_start_us + self.setup.rtt_us;
                    self.progress.window_sent = 0;
                    self.progress.cwnd = (self.progress.cwnd * 2).min(MAX_CWND_SEGMENTS);
                    let resume = (now_us + self.setup.gap_us).max(window_end);
                    self.progress.window_start_us = resume;
                    resume
                } else {
                    now_us + self.setup.gap_us
                }
            }
            Pace::Rate { gap_us } => now_us + (gap_us as f64 * context.rng.uniform(0.8, 1.2)) as i64,
        };
        if self.progress.unacked >= 2 {
            self.ack_from_client = !from_client;
            self.resume_state = State::Data;
            self.resume_us = next_data_us;
            self.state = State::Ack;
            let ack_at = now_us + receiver_delay_us.min((next_data_us - now_us) / 2);
            return Step::emit(packet, Some(ack_at));
        }
        Step::emit(packet, Some(next_data_us))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generator::activity::Activity;
    use crate::generator::test_support::{Captured, Harness};

    const START_US: i64 = 1_700_000_000_000_000;

    fn setup(harness: &mut Harness, outcome: Outcome, teardown: Teardown, plan: MessagePlan) -> TcpSetup {
        TcpSetup {
            behaviour: Behaviour::Web,
            ends: harness.ends(5, 7, 80),
            rtt_us: 30_000,
            client_delay_us: 300,
            gap_us: 50,
            outcome,
            teardown,
            teardown_delay_us: 2 * SECOND,
            plan,
        }
    }

    fn web_exchanges(count: u32, response_bytes: f64) -> Exchanges {
        Exchanges {
            count,
            request_median_bytes: 400.0,
            request_sigma: 0.0,
            response_median_bytes: response_bytes,
            response_sigma: 0.0,
            response_max_bytes: 1e9,
            think_median_us: 500_000.0,
            think_sigma: 0.5,
            think_max_us: 5e6,
            server_time_median_us: 10_000.0,
            request_app: AppKind::HttpGet,
            response_app: AppKind::HttpOk,
        }
    }

    fn run(harness: &mut Harness, setup: TcpSetup) -> Vec<Captured> {
        let conversation = TcpConversation::new(setup, &mut harness.rng);
        harness.run(START_US, Activity::Tcp(conversation))
    }

    fn from_client(packet: &Captured, setup: &TcpSetup) -> bool {
        packet.spec.src == setup.ends.client.address
    }

    /// Every packet's sequence number continues its direction's byte count (SYN and FIN
    /// count one) and every ACK acknowledges all the other direction has sent: what tshark
    /// checks to flag lost or unseen segments. Returns the payload bytes per direction.
    fn assert_sequence_consistent(packets: &[Captured], setup: &TcpSetup) -> (u64, u64) {
        let mut next_seq: [Option<u32>; 2] = [None, None];
        let mut payload = [0u64; 2];
        let mut same_side_data_run = (2usize, 0usize);
        for packet in packets {
            let side = usize::from(!from_client(packet, setup));
            let (_, _, flags, seq, ack) = packet.tcp();
            if flags & RST != 0 && flags & ACK == 0 {
                continue; // a scanner's bare reset
            }
            if flags == RST | ACK && next_seq[1].is_none() {
                continue; // a refusal: seq 0
            }
            if let Some(expected) = next_seq[side] {
                assert_eq!(seq, expected, "sequence number of {packet:?}");
            }
            if flags & ACK != 0 {
                assert_eq!(Some(ack), next_seq[1 - side], "ack of {packet:?}");
            }
            let len = packet.payload_len();
            assert!(len <= 1460);
            payload[side] += len as u64;
            let consumed = len + u32::from(flags & (SYN | FIN) != 0);
            next_seq[side] = Some(seq.wrapping_add(consumed));
            // At most two data segments in a row before the receiver says something.
            if len > 0 {
                same_side_data_run = if same_side_data_run.0 == side { (side, same_side_data_run.1 + 1) } else { (side, 1) };
                assert!(same_side_data_run.1 <= 2, "three data segments without an ACK at {packet:?}");
            } else {
                same_side_data_run = (2, 0);
            }
        }
        (payload[0], payload[1])
    }

    #[test]
    fn an_http_connection_has_handshake_exchanges_and_fin_teardown_with_consistent_numbers() {
        let mut harness = Harness::new(3);
        let setup = setup(&mut harness, Outcome::Established, Teardown::ClientFin, MessagePlan::exchanges(web_exchanges(3, 20_000.0)));
        let packets = run(&mut harness, setup);
        let flags: Vec<u8> = packets.iter().map(|p| p.tcp_flags()).collect();
        assert_eq!(&flags[..3], &[SYN, SYN | ACK, ACK]);
        assert_eq!(&flags[flags.len() - 3..], &[FIN | ACK, FIN | ACK, ACK]);
        assert!(from_client(&packets[packets.len() - 3], &setup), "the client closes");
        // The SYN/ACK comes one RTT after the SYN.
        assert_eq!(packets[1].ts_us - packets[0].ts_us, 30_000);
        let (client_bytes, server_bytes) = assert_sequence_consistent(&packets, &setup);
        // Three GET requests of 400 bytes; three responses of 20,000 bytes.
        assert_eq!(client_bytes, 3 * 400);
        assert_eq!(server_bytes, 3 * 20_000);
        let requests = packets.iter().filter(|p| matches!(p.app, AppPayload::HttpGet { .. })).count();
        let responses = packets.iter().filter(|p| matches!(p.app, AppPayload::HttpOk { .. })).count();
        assert_eq!((requests, responses), (3, 3));
        assert_eq!(packets.iter().filter(|p| p.starts_flow).count(), 1);
        assert!(packets.iter().all(|p| p.spec.dont_fragment && p.spec.wire_len >= 60));
    }

    #[test]
    fn a_server_side_close_and_resets_keep_numbers_consistent() {
        for teardown in [Teardown::ServerFin, Teardown::ClientRst, Teardown::ServerRst, Teardown::Abandon] {
            let mut harness = Harness::new(4);
            let setup = setup(&mut harness, Outcome::Established, teardown, MessagePlan::exchanges(web_exchanges(2, 3_000.0)));
            let packets = run(&mut harness, setup);
            assert_sequence_consistent(&packets, &setup);
            let last = packets.last().unwrap();
            match teardown {
                Teardown::ServerFin => {
                    let flags: Vec<u8> = packets[packets.len() - 3..].iter().map(|p| p.tcp_flags()).collect();
                    assert_eq!(flags, [FIN | ACK, FIN | ACK, ACK]);
                    assert!(!from_client(&packets[packets.len() - 3], &setup) && !from_client(last, &setup));
                }
                Teardown::ClientRst => assert!(last.tcp_flags() == RST | ACK && from_client(last, &setup)),
                Teardown::ServerRst => assert!(last.tcp_flags() == RST | ACK && !from_client(last, &setup)),
                _ => assert_eq!(last.tcp_flags() & (FIN | RST), 0),
            }
        }
    }

    #[test]
    fn refused_silent_and_scanned_connections() {
        let mut harness = Harness::new(5);
        let refused_setup = setup(&mut harness, Outcome::Refused, Teardown::ClientFin, MessagePlan::None);
        let refused = run(&mut harness, refused_setup);
        assert_eq!(refused.len(), 2);
        let (_, _, flags, _, ack) = refused[1].tcp();
        assert_eq!(flags, RST | ACK);
        assert_eq!(ack, refused[0].tcp().3.wrapping_add(1));

        let silent_setup = setup(&mut harness, Outcome::Silent { syn_attempts: 3 }, Teardown::ClientFin, MessagePlan::None);
        let silent = run(&mut harness, silent_setup);
        assert_eq!(silent.len(), 3);
        assert!(silent.iter().all(|p| p.is_syn_only() && p.tcp().3 == silent[0].tcp().3));
        assert_eq!(silent[1].ts_us - silent[0].ts_us, 3 * SECOND);
        assert_eq!(silent[2].ts_us - silent[1].ts_us, 6 * SECOND);

        let open_setup = setup(&mut harness, Outcome::OpenThenReset, Teardown::Abandon, MessagePlan::None);
        let open = run(&mut harness, open_setup);
        let flags: Vec<u8> = open.iter().map(|p| p.tcp_flags()).collect();
        assert_eq!(flags, [SYN, SYN | ACK, RST]);
    }

    #[test]
    fn a_bulk_transfer_is_rate_paced_and_acknowledged_every_second_segment() {
        let mut harness = Harness::new(6);
        let bulk = MessagePlan::Bulk { from_client: false, bytes: 1_460 * 3_000, gap_us: 100_000, sent: false };
        let setup = setup(&mut harness, Outcome::Established, Teardown::ClientFin, bulk);
        let packets = run(&mut harness, setup);
        let (_, server_bytes) = assert_sequence_consistent(&packets, &setup);
        assert_eq!(server_bytes, 1_460 * 3_000);
        let data: Vec<&Captured> = packets.iter().filter(|p| p.payload_len() > 0).collect();
        assert_eq!(data.len(), 3_000);
        for pair in data.windows(2) {
            let gap = pair[1].ts_us - pair[0].ts_us;
            assert!((80_000..=120_000).contains(&gap), "gap {gap}");
        }
        let pure_acks = packets.iter().filter(|p| p.payload_len() == 0 && p.tcp_flags() == ACK).count();
        assert!((1_500..=1_502).contains(&pure_acks), "{pure_acks} ACKs");
        // 3,000 segments 0.1 s apart: about five minutes, longer than a 150-s window step.
        assert!(packets.last().unwrap().ts_us - packets[0].ts_us > 299 * SECOND);
    }

    #[test]
    fn an_smtp_dialogue_follows_the_protocol() {
        for rejected_at_rcpt in [false, true] {
            let mut harness = Harness::new(7);
            let plan = MessagePlan::Smtp { step: 0, rejected_at_rcpt, body_bytes: 900 };
            let mut setup = setup(&mut harness, Outcome::Established, Teardown::ServerFin, plan);
            setup.behaviour = Behaviour::Spam;
            let packets = run(&mut harness, setup);
            assert_sequence_consistent(&packets, &setup);
            let mut out = Vec::new();
            let lines: Vec<String> = packets
                .iter()
                .filter(|p| p.app != AppPayload::None)
                .map(|p| {
                    p.app.render(&mut out);
                    String::from_utf8_lossy(&out[..4.min(out.len())]).into_owned()
                })
                .collect();
            let expected: &[&str] = if rejected_at_rcpt {
                &["220 ", "EHLO", "250-", "MAIL", "250 ", "RCPT", "550 ", "QUIT", "221 "]
            } else {
                &["220 ", "EHLO", "250-", "MAIL", "250 ", "RCPT", "250 ", "DATA", "354 ", "From", "250 ", "QUIT", "221 "]
            };
            assert_eq!(lines, expected);
        }
    }
}
