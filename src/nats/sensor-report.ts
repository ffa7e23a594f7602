// What a sensor says of its publishing: a line now and then while it runs (--status-interval),
// and one at the end. Drops are always in it, even at 0: an operator reads that nothing was lost.
import type { PublisherStats, WindowPublisher } from './window-publisher.js';

export function publisherLine(sensor: string, stats: PublisherStats): string {
  const count = (n: number) => n.toLocaleString('en-US');
  const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return (
    `sensor ${sensor}: ${count(stats.published)} windows published (${mib(stats.publishedBytes)}), ` +
    `${count(stats.buffered)} buffered, ${count(stats.dropped + stats.tooLarge)} dropped` +
    (stats.tooLarge > 0 ? ` (${count(stats.tooLarge)} over max_payload)` : '') +
    (stats.retries > 0 ? `, ${count(stats.retries)} retries` : '') +
    (stats.connected ? '' : ' · NATS server unreachable')
  );
}

/** Logs the publisher's line every `intervalS` seconds until stopped; returns the stop. */
export function reportPeriodically(publisher: WindowPublisher, sensor: string, intervalS: number, log: (line: string) => void): () => void {
  if (intervalS <= 0) return () => {};
  const timer = setInterval(() => log(publisherLine(sensor, publisher.stats())), intervalS * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
