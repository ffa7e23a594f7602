//! Sliding windows over capture time: window k covers [k·step, k·step + window), aligned to
//! multiples of the step in Unix time. Packets are counted once, in the flow table of their
//! step-long bucket; a window's flows are the bucket tables it spans, merged flow by flow
//! when it closes.

pub mod bucket_math;
pub mod initiator_memory;
pub mod windowed;

pub use windowed::WindowedFlows;
