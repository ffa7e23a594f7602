// What a --db value says about PostgreSQL: whether it names a database there, and how to name
// it in messages without its password. No dependency, so the argument parsers can use it.

/** Whether a --db value names a PostgreSQL database rather than a SQLite file. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(ql)?:\/\//i.test(location);
}

/** The URL without its password, and the host:port it names (for messages and reports). */
export function describePostgresUrl(url: string): { display: string; hostPort: string } {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '';
    const host = parsed.hostname || 'localhost';
    const port = parsed.port || '5432';
    // A socket folder given as ?host=/path (libpq's way) is where it connects.
    const socket = parsed.searchParams.get('host');
    return { display: parsed.toString(), hostPort: socket ? `${socket} (port ${port})` : `${host}:${port}` };
  } catch {
    return { display: url.replace(/:[^:@/]*@/, '@'), hostPort: 'the server of the URL' };
  }
}
