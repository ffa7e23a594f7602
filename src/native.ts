// The only file that loads the native addon. Everything else imports from here, so errors
// are translated in one place and the addon's location is known in one place.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type * as Addon from '../native/index.js';
import { FlowhoundError, fromNativeError } from './errors.js';

export type {
  Defaults,
  DictionaryColumn,
  EffectiveFeatureOptions,
  EffectiveFlowOptions,
  FeatureSchema,
  FeatureWindow,
  FlowBatch,
  FlowStreamOptions,
  FlowStreamProgress,
  GenerateOptions,
  LiveBatch,
  LiveCaptureOptions,
  LiveDefaults,
  LiveStatus,
  LiveWindow,
  NetworkInterfaceJs,
  SynthRecordsOptions,
  SynthSummary,
} from '../native/index.js';

const ADDON_FILE = join('native', 'flowhound.node');

/** The package root: the nearest folder above this file that holds the built addon. */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, ADDON_FILE))) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new FlowhoundError(
        'ERR_ADDON_MISSING',
        `the native addon (${ADDON_FILE}) is not built; run \`npm install\` in the flowhound folder`,
      );
    }
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();
const addon = createRequire(import.meta.url)(join(packageRoot, ADDON_FILE)) as typeof Addon;

/** Runs a native call, turning its errors into FlowhoundErrors. */
export function callNative<T>(call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw fromNativeError(error);
  }
}

/** Awaits a native promise, turning its errors into FlowhoundErrors. */
export async function awaitNative<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw fromNativeError(error);
  }
}

export const native = addon;

/**
 * The core's defaults (window, step, status interval, active-flow cap, LAN, …). TypeScript
 * writes none of its own: help texts interpolate these, and a run records what its streams
 * report they ran with (`FlowStream.options`, `FeatureStream.options`).
 */
export const coreDefaults: Addon.Defaults = addon.defaults();
export type NativeFlowStream = Addon.FlowStream;
export type NativeSynthJob = Addon.SynthJob;
export type NativeFeatureStream = Addon.FeatureStream;
export type NativeLiveCapture = Addon.LiveCapture;
