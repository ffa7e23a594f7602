// Global setup: every test's temporary files (tempDir(), the tests' history home, mkdtemp under
// os.tmpdir()) go under one fresh directory that is removed when the run ends, so that
// `npm test` leaves nothing behind in /tmp. Workers inherit TMPDIR from this process.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const previous = process.env.TMPDIR;
  const scratch = mkdtempSync(join(tmpdir(), 'flowhound-tests-'));
  process.env.TMPDIR = scratch;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(scratch, { recursive: true, force: true });
  };
}
