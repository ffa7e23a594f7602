// The fuzz harness's findings kept as fixtures (test/fuzz/regressions/README.md).
import { join } from 'node:path';

import { writeFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseCsv, repoRoot, runCli, tempDir } from '../helpers/run-cli.js';

const regression = (name: string) => join(repoRoot, 'test', 'fuzz', 'regressions', name);
const scratch = tempDir();

describe('decades-long-flow.arrow: records lasting 41 years', () => {
  it('flows reads its three sound records and passes over the decades-long ones, counted', () => {
    const result = runCli(['flows', regression('decades-long-flow.arrow'), '--keep-going', '-q']);
    expect(result.status).toBe(0);
    const rows = parseCsv(result.stdout);
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => Number(row.Dur) < 7 * 86_400)).toBe(true);
    expect(result.stderr).toContain('warning: 4 flow-file rows skipped (--keep-going)');
  });

  it('features and analyze pass over the records lasting over 7 days under --keep-going, and say so', () => {
    for (const command of [
      ['features', regression('decades-long-flow.arrow'), '-o', join(scratch, 'f.csv'), '--keep-going'],
      ['analyze', regression('decades-long-flow.arrow'), '--no-db', '-o', join(scratch, 'a.json'), '--keep-going'],
    ]) {
      const result = runCli(command);
      expect(result.status, result.stderr).toBe(0);
      // The broken seventh row and the three decades-long records.
      expect(result.stderr).toContain('warning: 4 flow-file rows skipped (--keep-going); the first: ERR_FLOWFILE_BAD_ROW');
    }
  });

  it('without --keep-going, a record lasting over 7 days is ERR_TIME_OUT_OF_RANGE at its line', () => {
    const header = 'StartTime,Dur,Proto,SrcAddr,Sport,Dir,DstAddr,Dport,State,sTos,dTos,TotPkts,TotBytes,SrcBytes';
    const row = (dur: string) => `2011/08/16 10:01:46.972101,${dur},udp,10.0.0.1,1000,   ->,10.0.0.2,53,INT,0,,1000,60000,60000`;
    const input = join(scratch, 'long.binetflow');
    writeFileSync(input, [header, row('0.5'), row('1000000000'), row('0.5'), ''].join('\n'));
    for (const command of [['features', input, '-o', join(scratch, 'g.csv')], ['analyze', input, '--no-db', '-o', join(scratch, 'g.json')]]) {
      const result = runCli(command);
      expect(result.status).toBe(2);
      expect(result.stderr).toBe(`flowhound: ERR_TIME_OUT_OF_RANGE: ${input}:3: the record lasts 1000000000 s (11574.1 days): longer than the 7 days a flow record may last\n`);
    }
  });
});
