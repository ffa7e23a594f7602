// The only file that loads the native addon. Everything else imports from here, so errors
// are translated in one place and the addon's location is known in one place.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import type * as Addon from '../native/index.js';
import { packageRoot } from './core-defaults.js';
import { FlowhoundError, fromNativeError } from './errors.js';

export type {
  ArrowInt16,
  ArrowInt32,
  ArrowInt64,
  ArrowUtf8,
  ArrowValidity,
  BinetflowCsvLayout,
  Defaults,
  DictionaryColumn,
  EffectiveFeatureOptions,
  EffectiveFlowOptions,
  FeatureSchema,
  FlowArrowBatch,
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

export { coreDefaults, packageRoot } from './core-defaults.js';

if (!existsSync(join(packageRoot, ADDON_FILE))) {
  throw new FlowhoundError('ERR_ADDON_MISSING', `the native addon (${ADDON_FILE}) is not built; run \`npm install\` in the flowhound folder`);
}
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
export type NativeFlowStream = Addon.FlowStream;
export type NativeSynthJob = Addon.SynthJob;
export type NativeFeatureStream = Addon.FeatureStream;
export type NativeLiveCapture = Addon.LiveCapture;
