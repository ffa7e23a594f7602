// WorkerStartups: the pool stops its threads only once none is starting (started, or exited).
import { EventEmitter } from 'node:events';
import type { Worker } from 'node:worker_threads';

import { describe, expect, it } from 'vitest';

import { WORKER_STARTED } from '../../src/pool/score-task.js';
import { WorkerStartups } from '../../src/pool/worker-startups.js';

/** What noneStarting() reads of a Worker: its threadId (-1 once exited) and its 'exit' event. */
class FakeThread extends EventEmitter {
  constructor(public threadId: number) {
    super();
  }
  exit(): void {
    this.threadId = -1;
    this.emit('exit', 1);
  }
}

const asWorkers = (threads: FakeThread[]) => () => threads as unknown as Worker[];

/** Whether the promise has settled after the pending events and microtasks ran. */
async function settled(promise: Promise<void>): Promise<boolean> {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

describe('WorkerStartups', () => {
  it('takes only start-up messages', () => {
    const startups = new WorkerStartups();
    expect(startups.note({ something: 'else' })).toBe(false);
    expect(startups.note(null)).toBe(false);
    expect(startups.note({ [WORKER_STARTED]: 'seven' })).toBe(false);
    expect(startups.note({ [WORKER_STARTED]: 7 })).toBe(true);
    expect(startups.hasStarted(7)).toBe(true);
    expect(startups.hasStarted(8)).toBe(false);
  });

  it('waits for every thread still starting, and for none that said it started', async () => {
    const startups = new WorkerStartups();
    const threads = [new FakeThread(1), new FakeThread(2)];
    startups.note({ [WORKER_STARTED]: 1 });
    const waiting = startups.noneStarting(asWorkers(threads));
    expect(await settled(waiting)).toBe(false);
    startups.note({ [WORKER_STARTED]: 2 });
    expect(await settled(waiting)).toBe(true);
  });

  it('stops waiting for a thread that exits while starting', async () => {
    const startups = new WorkerStartups();
    const thread = new FakeThread(3);
    const waiting = startups.noneStarting(asWorkers([thread]));
    expect(await settled(waiting)).toBe(false);
    thread.exit();
    expect(await settled(waiting)).toBe(true);
  });

  it('asks for the threads again: a replacement started meanwhile is waited for too', async () => {
    const startups = new WorkerStartups();
    const threads = [new FakeThread(4)];
    const waiting = startups.noneStarting(asWorkers(threads));
    // The thread dies while starting and the pool replaces it.
    threads[0]!.exit();
    threads.splice(0, 1, new FakeThread(5));
    expect(await settled(waiting)).toBe(false);
    startups.note({ [WORKER_STARTED]: 5 });
    expect(await settled(waiting)).toBe(true);
  });

  it('resolves at once when no thread is starting', async () => {
    const startups = new WorkerStartups();
    expect(await settled(startups.noneStarting(asWorkers([])))).toBe(true);
  });
});
