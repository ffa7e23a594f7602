// Whether libpcap's headers are here, for the live capture (`flowhound live`): pkg-config's
// libpcap, or pcap.h where compilers look. The build enables the addon's `live` feature only
// then (build-addon.mjs), so that everything else still builds without libpcap; the Rust lint
// checks the `live` code too when it can (scripts/lint-rust.mjs).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function libpcapFound() {
  const pkgConfig = spawnSync('pkg-config', ['--exists', 'libpcap'], { stdio: 'ignore' });
  if (pkgConfig.status === 0) return true;
  return ['/usr/include/pcap.h', '/usr/local/include/pcap.h', '/usr/include/pcap/pcap.h', '/opt/homebrew/include/pcap.h'].some((path) => existsSync(path));
}

export const LIBPCAP_MISSING =
  'flowhound: libpcap not found (no pkg-config libpcap, no pcap.h): building without live capture. ' +
  'Everything but `flowhound live` works; for it, install libpcap-dev (Debian/Ubuntu) or libpcap-devel (Fedora), then run `npm run build:native`.';
