//! The thread that computes a feature stream's windows: one thread of its own per stream, the
//! same one for every `nextWindows()` call.
//!
//! glibc's malloc gives each thread an arena of its own. Computed on libuv's thread pool, a
//! stream's windows were built by whichever of its four threads took the call: the records
//! and tallies of the open windows were allocated in one thread's arena and freed while another
//! thread was building, whose arena could not reuse that memory, so every arena grew to the
//! stream's working set: read alone, CTU-13 scenario 6's flow file took the process to about
//! 590 MB so, against about 350 MB with a single arena (`MALLOC_ARENA_MAX=1`). On a thread of
//! its own, the stream allocates in one arena, and what it frees there it reuses.

use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use flowhound_core::error::{ErrorCode, FlowhoundError};
use flowhound_core::features::WindowFeatures;

/// The next windows (one or more), or `None` at the end of the input.
pub type Windows = Result<Option<Vec<WindowFeatures>>, FlowhoundError>;

/// Hands calls to the stream's thread and takes back what it computed. The thread ends when
/// the stream and every call in flight are gone (its request channel closes).
#[derive(Clone)]
pub struct WindowThread {
    requests: Sender<()>,
    results: Arc<Mutex<Receiver<Windows>>>,
}

impl WindowThread {
    /// Starts the thread; `compute` makes the next windows, on that thread, once per call.
    ///
    /// With `ahead`, the thread makes the next windows as soon as it has handed over the last
    /// ones, before they are asked for: a scoring run, which asks for a window when it takes
    /// the one before and may be slow to take it while the scoring threads hold the cores,
    /// finds it ready, and the thread is already making the one after instead of idling (one
    /// more window in memory). Without it, nothing is made before it is asked for: what the
    /// stream's statistics count is what its caller has taken.
    pub fn start(name: &str, ahead: bool, mut compute: impl FnMut() -> Windows + Send + 'static) -> Result<WindowThread, FlowhoundError> {
        let (requests, requested) = channel::<()>();
        let (send_result, results) = channel::<Windows>();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let mut ready: Option<Windows> = None;
                while requested.recv().is_ok() {
                    let windows = ready.take().unwrap_or_else(&mut compute);
                    // Past the end or an error, nothing more is made.
                    let more = matches!(windows, Ok(Some(_)));
                    if send_result.send(windows).is_err() {
                        break;
                    }
                    if ahead && more {
                        ready = Some(compute());
                    }
                }
            })
            .map_err(|e| FlowhoundError::new(ErrorCode::Io, format!("could not start the thread that computes features: {e}")))?;
        Ok(WindowThread { requests, results: Arc::new(Mutex::new(results)) })
    }

    /// The next windows, computed on the stream's thread; this call waits for them.
    pub fn next(&self) -> Windows {
        let ended = || FlowhoundError::new(ErrorCode::Io, "the thread that computes features has ended");
        // One call at a time: its request and its answer are taken together.
        let results = self.results.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        self.requests.send(()).map_err(|_| ended())?;
        results.recv().map_err(|_| ended())?
    }
}
