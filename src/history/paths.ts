// Where the history lives by default, and what identifies an input in it.
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The user's history database: `$XDG_DATA_HOME/flowhound/history.sqlite`, else
 * `~/.local/share/flowhound/history.sqlite` (the XDG base-directory rule; a relative
 * XDG_DATA_HOME is ignored, as the specification says). On Windows, `%LOCALAPPDATA%\flowhound`.
 */
export function defaultHistoryPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'flowhound', 'history.sqlite');
  const dataHome = env.XDG_DATA_HOME && isAbsolute(env.XDG_DATA_HOME) ? env.XDG_DATA_HOME : join(env.HOME || homedir(), '.local', 'share');
  return join(dataHome, 'flowhound', 'history.sqlite');
}

/** An input as the history knows it: the same content under any path is the same input. */
export interface InputIdentity {
  path: string;
  sizeBytes: number;
  /**
   * Hex SHA-256 of the file's bytes, or `sample:<hex>` for a large file identified by sampled
   * blocks (src/pipeline/input-fingerprint.ts): equal values are the same input.
   */
  sha256: string;
}

/**
 * The input of a stream of windows that has no file content to hash: a sensor's capture
 * (`flowhound live --publish`, scored by `flowhound serve`). Its key is a hash of the sensor's
 * name and its input (an interface, or a file it read), so that every scorer that receives a
 * window of it, again or for the first time, names the same input, and the history's unique
 * key (input, window start, analysis key) makes a redelivered window the same window.
 */
export function streamInput(stream: { sensor: string; input: string }): InputIdentity {
  const sha256 = createHash('sha256').update(`flowhound stream\0${stream.sensor}\0${stream.input}`, 'utf8').digest('hex');
  return { path: `${stream.sensor}:${stream.input}`, sizeBytes: 0, sha256 };
}
