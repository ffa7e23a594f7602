// The options contract of the addon, called directly: the defaults are the core's, and an
// opened stream reports the options it runs with.
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { coreDefaults, coreVersion, liveDefaults } from '../../src/core-defaults.js';
import { native, packageRoot } from '../../src/native.js';

const CAPTURE = join(packageRoot, 'test/fixtures/argus/edge-cases.pcap');
const FLOW_FILE = join(packageRoot, 'test/fixtures/synth/ctu13-round-trip.binetflow');

describe('native.defaults()', () => {
  it("is the core's: 300 s windows every 150 s, CTU-13's status interval, the private LAN", () => {
    expect(native.defaults()).toEqual({
      windowSeconds: 300,
      stepSeconds: 150,
      statusIntervalSeconds: 3600,
      maxActiveFlows: 1 << 20,
      memcapBytes: 256 * 2 ** 20,
      minMemcapBytes: 16 * 2 ** 20,
      maxMemcapBytes: 2 ** 40,
      uncertainDirection: 'first-sender',
      keepGoing: false,
      utcOffsetMinutes: 0,
      batchRecords: 65_536,
      lan: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
    });
  });

  it('is what native/defaults.json says (help, version and the argument checks read that file, not the addon)', () => {
    expect(coreDefaults).toEqual(native.defaults());
    expect(coreVersion).toBe(native.coreVersion());
    expect(liveDefaults).toEqual(native.liveDefaults());
  });
});

describe('the options an opened stream reports', () => {
  it('fill in the defaults where none were given', () => {
    const { lan, minMemcapBytes, maxMemcapBytes, ...flowDefaults } = native.defaults();
    expect(minMemcapBytes).toBeLessThan(maxMemcapBytes);
    const { statusIntervalSeconds, ...windowed } = flowDefaults;
    expect(native.FlowStream.open(CAPTURE).options).toEqual({ whole: false, ...windowed });
    expect(native.FlowStream.open(CAPTURE, { whole: true }).options).toEqual({
      whole: true,
      statusIntervalSeconds,
      maxActiveFlows: flowDefaults.maxActiveFlows,
      memcapBytes: flowDefaults.memcapBytes,
      uncertainDirection: flowDefaults.uncertainDirection,
      keepGoing: flowDefaults.keepGoing,
      utcOffsetMinutes: flowDefaults.utcOffsetMinutes,
      batchRecords: flowDefaults.batchRecords,
    });
    expect(native.FeatureStream.open(CAPTURE).options.lan).toEqual(lan);
  });

  it('keep what was given', () => {
    const given = {
      windowSeconds: 60,
      stepSeconds: 30,
      maxActiveFlows: 5000,
      memcapBytes: 2 ** 30,
      uncertainDirection: 'service-port',
      keepGoing: true,
      utcOffsetMinutes: 120,
      batchRecords: 100,
    };
    expect(native.FlowStream.open(FLOW_FILE, given).options).toEqual({ whole: false, ...given });
    const features = native.FeatureStream.open(FLOW_FILE, { flows: given, lan: ['147.32.0.0/16'] }).options;
    expect(features.lan).toEqual(['147.32.0.0/16']);
    expect(features.flows.windowSeconds).toBe(60);
    expect(features.flows.utcOffsetMinutes).toBe(120);
  });
});
