// Where the history lives by default, and what identifies an input in it.
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
