// The core's defaults and version without loading the addon. native/defaults.json is written by
// the addon's build (native/build-addon.mjs) from what the addon itself reports (`defaults()`,
// `coreVersion()`), and test/native/defaults.test.ts keeps the two equal; so help texts,
// `flowhound version` and the argument checks start at once (loading the addon costs about
// 0.1 s), and the defaults are still written once, in native/core/src/flow/options.rs.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Defaults, LiveDefaults } from '../native/index.js';
import { FlowhoundError } from './errors.js';

const DEFAULTS_FILE = join('native', 'defaults.json');

/** The package root: the nearest folder above this file that holds the addon build's defaults. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, DEFAULTS_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new FlowhoundError(
        'ERR_ADDON_MISSING',
        `the native addon (native/flowhound.node, ${DEFAULTS_FILE}) is not built; run \`npm install\` in the flowhound folder`,
      );
    }
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();

const built = JSON.parse(readFileSync(join(packageRoot, DEFAULTS_FILE), 'utf8')) as { coreVersion: string; defaults: Defaults; liveDefaults: LiveDefaults };

/**
 * The core's defaults (window, step, status interval, active-flow cap, LAN, …). TypeScript
 * writes none of its own: help texts interpolate these, and a run records what its streams
 * report they ran with (`FlowStream.options`, `FeatureStream.options`).
 */
export const coreDefaults: Defaults = built.defaults;

/** The live capture's defaults (snaplen, the kernel's ring), and whether this build captures live. */
export const liveDefaults: LiveDefaults = built.liveDefaults;

/** The native core's version, as the addon's build reported it. */
export const coreVersion: string = built.coreVersion;
