// Stage 1 and 2 of the data path for a live interface: the addon's capture thread (libpcap →
// windowed flows → feature rows) as a window reader the scoring session reads like a file's.
// A window comes as it closes, with what the kernel counted and dropped while it was open;
// between windows the reader polls the capture (a status line reads it), and says what
// happened to the interface (lost, back). `stop` closes the open windows (partial) and ends it.
import { awaitNative, callNative, native, type EffectiveFeatureOptions, type FeatureWindow, type LiveStatus, type NativeLiveCapture, type NetworkInterfaceJs } from '../native.js';
import type { ProgressSnapshot } from '../progress.js';

export type { LiveStatus, NetworkInterfaceJs as NetworkInterface } from '../native.js';

/** What a live window adds to its feature rows. */
export interface LiveWindowFacts {
  windowEndUs: number;
  /** The capture stopped before the window ended. */
  partial: boolean;
  /** pcap_stats while the window was open: packets the filter passed, dropped for want of room in the kernel's ring (ps_drop), dropped by the interface (ps_ifdrop). */
  kernelReceived: number;
  kernelDropped: number;
  interfaceDropped: number;
}

export interface LiveReaderOptions {
  /** LAN ranges (CIDR): only their hosts get rows. */
  lan: string[];
  windowSeconds?: number;
  stepSeconds?: number;
  memcapBytes?: number;
  maxActiveFlows?: number;
  snaplen?: number;
  bufferSizeBytes?: number;
  promiscuous: boolean;
  bpf?: string;
  durationSeconds?: number;
  maxPackets?: number;
  /** The interface was lost or is back (libpcap's words). */
  onEvent?: (event: string) => void;
  /** Called after each poll of the capture (about twice a second when no window closes). */
  onPoll?: (status: LiveStatus) => void;
}

/** How long one poll of the capture waits for a window, ms. */
const POLL_MS = 500;

export class LiveReader {
  readonly interface: string;
  readonly #capture: NativeLiveCapture;
  readonly #options: LiveReaderOptions;
  readonly #facts = new WeakMap<FeatureWindow, LiveWindowFacts>();
  #pending: FeatureWindow[] = [];
  #ended = false;

  private constructor(name: string, capture: NativeLiveCapture, options: LiveReaderOptions) {
    this.interface = name;
    this.#capture = capture;
    this.#options = options;
  }

  /** Opens the interface and starts capturing (ERR_CAPTURE_NO_DEVICE, _FILTER, _PERMISSION, _UNAVAILABLE fail here). */
  static open(name: string, options: LiveReaderOptions): LiveReader {
    const { lan, windowSeconds, stepSeconds, memcapBytes, maxActiveFlows, snaplen, bufferSizeBytes, promiscuous, bpf, durationSeconds, maxPackets } = options;
    const capture = callNative(() =>
      native.LiveCapture.open(name, {
        features: { flows: { windowSeconds, stepSeconds, memcapBytes, maxActiveFlows }, lan, flowColumns: false },
        snaplen,
        bufferSizeBytes,
        promiscuous,
        bpf,
        durationSeconds,
        maxPackets,
      }),
    );
    return new LiveReader(name, capture, options);
  }

  get options(): EffectiveFeatureOptions {
    return this.#capture.options;
  }

  /** The interface's link-layer type (LINKTYPE_ number: 1 is Ethernet). */
  get linkType(): number {
    return this.#capture.linkType;
  }

  /** The next closed window, or null once the capture has stopped and every window is out. */
  async next(): Promise<FeatureWindow | null> {
    while (this.#pending.length === 0 && !this.#ended) {
      const batch = await awaitNative(this.#capture.next(POLL_MS));
      for (const event of batch.events) this.#options.onEvent?.(event);
      for (const { features, windowEndUs, partial, kernelReceived, kernelDropped, interfaceDropped } of batch.windows) {
        this.#facts.set(features, { windowEndUs, partial, kernelReceived, kernelDropped, interfaceDropped });
        this.#pending.push(features);
      }
      this.#ended = batch.ended;
      this.#options.onPoll?.(this.#capture.status());
    }
    return this.#pending.shift() ?? null;
  }

  /** What the capture said of a window this reader handed out. */
  factsOf(window: FeatureWindow): LiveWindowFacts | undefined {
    return this.#facts.get(window);
  }

  status(): LiveStatus {
    return this.#capture.status();
  }

  /** Stops capturing: the open windows close (partial) and come out, then the end. */
  stop(): void {
    this.#capture.stop();
  }

  progress(): ProgressSnapshot {
    const status = this.#capture.status();
    return { bytesConsumed: status.wireBytes, totalBytes: 0, packets: status.packets, records: 0 };
  }

  damage(): null {
    return null;
  }
}

/** The interfaces libpcap can capture on, with their networks (ERR_CAPTURE_UNAVAILABLE without libpcap). */
export function listInterfaces(): NetworkInterfaceJs[] {
  return callNative(() => native.listInterfaces());
}

export { liveDefaults } from '../core-defaults.js';
