// Whether this build writes Parquet, checked before any work starts: apart from the Parquet
// writer (parquet-output.ts, which loads apache-arrow) so that the check costs a command nothing.
import { FlowhoundError } from '../errors.js';
import { native } from '../native.js';

/** ERR_PARQUET_UNAVAILABLE unless this build of the addon writes Parquet; checked before any work. */
export function requireParquet(path: string | null): void {
  if (native.parquetBuiltIn()) return;
  throw new FlowhoundError(
    'ERR_PARQUET_UNAVAILABLE',
    'this build of flowhound has no Parquet writer (its addon was built without the `parquet` feature): ' +
      'rebuild it with `npm run build:native`, or write Feather (-o FILE.feather)',
    path === null ? {} : { path },
  );
}
