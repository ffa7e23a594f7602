// The install step's builds, kept short: a build's output goes to a log file, and the terminal
// gets one line when it starts and one when it ends; on failure, the log's last lines and its
// path. FLOWHOUND_BUILD_VERBOSE=1 (or `npm install --foreground-scripts`) shows everything as it
// comes. The logs are native/target/NAME-build.log. Used by native/gyp-rebuild.mjs (the Rust addon) and scripts/build-better-sqlite3.mjs.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = dirname(dirname(fileURLToPath(import.meta.url)));
const LAST_LINES = 60;

/** Whether the user asked to see builds in full. */
function verbose() {
  return process.env.FLOWHOUND_BUILD_VERBOSE === '1' || process.env.npm_config_foreground_scripts === 'true';
}

/**
 * Runs `command args` (in `cwd`), its output to build/NAME.log unless verbose; returns its exit
 * status. `what` names the build for the user ("the native addon"), `duration` says how long it takes.
 */
export function quietBuild(name, what, command, args, { cwd = projectRoot, duration = 'a few minutes the first time' } = {}) {
  const startedMs = Date.now();
  if (verbose()) {
    console.log(`flowhound: building ${what}`);
    return spawnSync(command, args, { cwd, stdio: 'inherit' }).status ?? 1;
  }
  // Not build/: node-gyp's rebuild removes that folder first.
  const logDir = join(projectRoot, 'native', 'target');
  mkdirSync(logDir, { recursive: true });
  const logPath = join(logDir, `${name}-build.log`);
  console.log(`flowhound: building ${what} (${duration}); output in ${logPath} (FLOWHOUND_BUILD_VERBOSE=1 shows it)`);
  const log = openSync(logPath, 'w');
  let status;
  try {
    status = spawnSync(command, args, { cwd, stdio: ['ignore', log, log] }).status ?? 1;
  } finally {
    closeSync(log);
  }
  const seconds = ((Date.now() - startedMs) / 1000).toFixed(0);
  if (status === 0) {
    console.log(`flowhound: built ${what} in ${seconds} s`);
  } else {
    const lines = readFileSync(logPath, 'utf8').trimEnd().split('\n');
    console.error(lines.slice(-LAST_LINES).join('\n'));
    console.error(`flowhound: building ${what} failed (exit ${status}) after ${seconds} s; the last ${Math.min(LAST_LINES, lines.length)} lines are above, all of it in ${logPath}`);
  }
  return status;
}
