// A listener whose end waits for the run's output. The session ends before the command writes
// its result; a listener that records the end (the history) must not call the run finished
// when the output then fails (a full disk, a closed pipe). This hands windows straight through,
// passes an interrupted or failed end at once, and holds a clean end until `release` says
// whether the output was written.
import type { ScoredWindow, SessionEnd, WindowListener } from './session.js';

export class EndAfterOutput implements WindowListener {
  readonly #listener: WindowListener;
  #held: SessionEnd | null = null;

  constructor(listener: WindowListener) {
    this.#listener = listener;
  }

  onWindow(window: ScoredWindow): void | Promise<void> {
    return this.#listener.onWindow(window);
  }

  async onFinish(end: SessionEnd): Promise<void> {
    if (end.interrupted || end.failed) await this.#listener.onFinish?.(end);
    else this.#held = end;
  }

  /** Passes the held end on: as it was when the output was written, as failed when it was not. */
  async release({ outputWritten }: { outputWritten: boolean }): Promise<void> {
    const end = this.#held;
    if (end === null) return;
    this.#held = null;
    await this.#listener.onFinish?.(outputWritten ? end : { ...end, failed: true });
  }
}
