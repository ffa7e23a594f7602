// Which of the scoring pool's threads are still starting: a thread is starting from its creation
// until it posts WORKER_STARTED (src/pool/score-task.ts) or exits. The pool terminates its
// threads only once none is starting, since terminating one inside its start-up aborts the
// whole process (see WORKER_STARTED).
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';

import { isWorkerStartedMessage } from './score-task.js';

export class WorkerStartups {
  /** threadIds of the threads that said their start-up is over. */
  readonly #started = new Set<number>();
  /** Per threadId still starting: who waits for it. */
  readonly #waiting = new Map<number, (() => void)[]>();

  /**
   * Takes a message a worker posted to the pool; returns true if it was a start-up message
   * (and so is the pool's own business, not an event to pass on).
   */
  note(message: unknown): boolean {
    if (!isWorkerStartedMessage(message)) return false;
    const threadId = message.flowhoundScoreWorkerStarted;
    this.#started.add(threadId);
    for (const wake of this.#waiting.get(threadId) ?? []) wake();
    this.#waiting.delete(threadId);
    return true;
  }

  /** Whether the thread said its start-up is over. */
  hasStarted(threadId: number): boolean {
    return this.#started.has(threadId);
  }

  /**
   * Resolves once no thread of `threads()` is starting: each has said its start-up is over, or
   * has exited. `threads()` is asked again after each wait, since Piscina replaces a thread that
   * dies; the caller must stop the pool from starting threads in the same turn as this resolves.
   */
  async noneStarting(threads: () => readonly Worker[]): Promise<void> {
    for (;;) {
      const starting = threads().filter((worker) => worker.threadId >= 0 && !this.#started.has(worker.threadId));
      if (starting.length === 0) return;
      await Promise.all(starting.map((worker) => this.#startedOrExited(worker)));
    }
  }

  async #startedOrExited(worker: Worker): Promise<void> {
    const threadId = worker.threadId;
    const exited = new AbortController();
    let wake!: () => void;
    const started = new Promise<void>((resolve) => (wake = resolve));
    this.#waiting.set(threadId, [...(this.#waiting.get(threadId) ?? []), wake]);
    try {
      await Promise.race([started, once(worker, 'exit', { signal: exited.signal })]);
    } finally {
      // Whichever came first, the other wait is dropped.
      exited.abort();
      const others = (this.#waiting.get(threadId) ?? []).filter((waiter) => waiter !== wake);
      if (others.length > 0) this.#waiting.set(threadId, others);
      else this.#waiting.delete(threadId);
    }
  }
}
