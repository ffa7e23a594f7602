// One list of error codes across the core, the binding, worker threads and TypeScript: the
// codes the addon says the core raises are exactly TypeScript's core codes, and an error crosses
// both boundaries (N-API, a worker thread) through the same codec with its code and location.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { coreErrorCodes, ERROR_CODES, ExitCode } from '../../src/error-codes.js';
import { decodeError, encodeError, FlowhoundError } from '../../src/errors.js';
import { callNative, native } from '../../src/native.js';
import { decodeWorkerError, encodeWorkerError } from '../../src/pool/score-task.js';
import { repoRoot } from '../helpers/run-cli.js';

describe('error codes', () => {
  it("TypeScript's core codes are the addon's, in the same order", () => {
    expect(coreErrorCodes()).toEqual(native.errorCodes());
  });

  it('the core source names no code TypeScript lacks', () => {
    // The addon's list is built from ErrorCode::ALL; this reads as_str's arms, in case ALL missed one.
    const source = readFileSync(join(repoRoot, 'native', 'core', 'src', 'error.rs'), 'utf8');
    const named = [...source.matchAll(/=> "(ERR_[A-Z_]+)"/g)].map((match) => match[1]);
    expect(named).toEqual(coreErrorCodes());
  });

  it('every code has a meaning and an exit status', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^ERR_[A-Z_]+$/);
      expect(info.meaning.length, code).toBeGreaterThan(10);
      expect(Object.values(ExitCode)).toContain(info.exit);
    }
    expect(ERROR_CODES.ERR_INTERRUPTED.exit).toBe(ExitCode.interrupted);
    expect(ERROR_CODES.ERR_USAGE.exit).toBe(ExitCode.usageOrInput);
  });
});

describe('the error codec', () => {
  it('decodes what the addon throws: code, message and location', () => {
    let thrown: unknown;
    try {
      callNative(() => native.FlowStream.open(join(repoRoot, 'test', 'fixtures', 'flowfiles', 'empty.binetflow')));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FlowhoundError);
    const error = thrown as FlowhoundError;
    expect(error.code).toBe('ERR_EMPTY_FILE');
    expect(error.location).toEqual({ path: join(repoRoot, 'test', 'fixtures', 'flowfiles', 'empty.binetflow'), byteOffset: 0 });
  });

  it('round-trips a FlowhoundError, as a worker thread sends it and the pool receives it', () => {
    const sent = new FlowhoundError('ERR_MODEL_SCHEMA', 'model takes 12 feature columns, the batch has 38', { path: 'm.onnx', line: 3, byteOffset: 7, packetIndex: 0 });
    const received = decodeWorkerError(structuredClone(encodeWorkerError(sent)), 'other.onnx');
    expect(received).toBeInstanceOf(FlowhoundError);
    expect({ code: received.code, message: received.message, location: received.location }).toEqual({ code: sent.code, message: sent.message, location: sent.location });
    expect(decodeError(encodeError(sent))?.describe()).toBe(sent.describe());
  });

  it('leaves anything else alone: other text, unknown codes; the pool names the model', () => {
    expect(decodeError('onnxruntime: bad shape')).toBeNull();
    expect(decodeError('{"code":"ERR_NOT_A_CODE","message":"x"}')).toBeNull();
    expect(decodeError('{"code":"ERR_IO"}')).toBeNull();
    const crashed = decodeWorkerError(new Error('worker exited'), 'm.onnx');
    expect(crashed.describe()).toBe('ERR_INFERENCE: m.onnx: scoring failed: worker exited');
  });
});
