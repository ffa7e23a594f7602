// One CLI (issue 18): the options every command takes, messages in flowhound's words with the
// option or command meant, comma lists, colour, the terminal's width, the progress line's
// times, and the shell completion scripts made from the command table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { COMMANDS } from '../../src/cli.js';
import { HELP_WANTED, unknownCommand } from '../../src/cli/command.js';
import { colourWanted } from '../../src/cli/colour.js';
import { editDistance, nearest } from '../../src/cli/options.js';
import { parseAnalyze } from '../../src/commands/analyze/parse.js';
import { analysisKeyOf } from '../../src/history/store.js';
import { runOptionsJson } from '../../src/sinks/json.js';
import { runInfo, runOptions } from '../helpers/history.js';
import { completionCommands, completionScript } from '../../src/commands/completion/run.js';
import { schemaJson } from '../../src/commands/models/run.js';
import { FlowhoundError } from '../../src/errors.js';
import { formatElapsed, timeText } from '../../src/progress.js';
import { rankingTerminalLines, type RankedHost } from '../../src/sinks/ranking-table.js';

const command = (name: string) => COMMANDS.find((c) => c.name === name)!;

function usage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    expect((error as FlowhoundError).code).toBe('ERR_USAGE');
    return (error as FlowhoundError).message;
  }
  throw new Error('no usage error');
}

/** Arguments each command needs to parse at all. */
const MINIMAL: Record<string, string[]> = {
  analyze: ['x.pcap'],
  live: ['eth0'],
  evaluate: ['x.pcap', '--infected', '10.0.0.1'],
  demo: [],
  models: [],
  report: [],
  flows: ['x.pcap', '-o', 'x.csv'],
  synth: ['x.binetflow', '-o', 'x.pcap'],
  features: ['x.pcap', '-o', 'x.arrow'],
  help: [],
  version: [],
  completion: ['bash'],
  serve: ['--nats', 'nats://127.0.0.1:4222'],
};

describe('the options every command takes', () => {
  it('-h/--help, -y, -v, -q and --json are taken by every command', () => {
    expect(Object.keys(MINIMAL).sort()).toEqual(COMMANDS.map((c) => c.name).sort());
    for (const c of COMMANDS) {
      expect(c.parse([...MINIMAL[c.name]!, '-h']), c.name).toBe(HELP_WANTED);
      expect(c.parse([...MINIMAL[c.name]!, '--help']), c.name).toBe(HELP_WANTED);
      for (const flag of ['-y', '--yes', '-v', '--verbose', '-q', '--quiet', '--json']) {
        expect(() => c.parse([...MINIMAL[c.name]!, flag]), `${c.name} ${flag}`).not.toThrow();
      }
    }
  });

  it('--json is JSON where the command writes JSON, and refuses another --format', () => {
    expect(parseAnalyze(['x.pcap', '--json'])).toMatchObject({ format: 'json' });
    expect(command('evaluate').parse(['x.pcap', '--json'])).toMatchObject({ format: 'json' });
    expect(command('report').parse(['--json'])).toMatchObject({ format: 'json', output: '-' });
    expect(command('live').parse(['eth0', '--json'])).toMatchObject({ json: true });
    expect(usage(() => parseAnalyze(['x.pcap', '--json', '--format', 'csv']))).toBe('--json and --format csv exclude each other');
    expect(usage(() => command('flows').parse(['x.pcap', '--json']))).toBe('--json writes the summary on standard output, where the records go without -o: give -o FILE');
  });
});

describe('messages in flowhound\'s words, with what was meant', () => {
  it('an unknown option names the option meant; no Node parser text', () => {
    expect(usage(() => parseAnalyze(['x.pcap', '--lann', '10.0.0.0/8']))).toBe("unknown option '--lann'; did you mean '--lan'? ('--help' lists the options)");
    expect(usage(() => parseAnalyze(['x.pcap', '--tresh', '0.5']))).toBe("unknown option '--tresh'; did you mean '--threshold'? ('--help' lists the options)");
    expect(usage(() => parseAnalyze(['x.pcap', '--min-flow', '3']))).toBe("unknown option '--min-flow'; did you mean '--min-flows'? ('--help' lists the options)");
    expect(usage(() => parseAnalyze(['x.pcap', '--zzzzzz']))).toBe("unknown option '--zzzzzz' ('--help' lists the options)");
    expect(usage(() => parseAnalyze(['x.pcap', '-o']))).toBe('--output needs a value');
    expect(usage(() => parseAnalyze(['x.pcap', '--lan']))).toBe('--lan needs a value');
    expect(usage(() => command('flows').parse(['x.pcap', '--whole=yes']))).toBe('--whole takes no value');
  });

  it('an unknown command names the command meant', () => {
    expect(unknownCommand('anlyze', COMMANDS)).toBe("unknown command 'anlyze'; did you mean 'analyze'? ('flowhound help' lists the commands)");
    expect(unknownCommand('reprot', COMMANDS)).toBe("unknown command 'reprot'; did you mean 'report'? ('flowhound help' lists the commands)");
    expect(unknownCommand('frobnicate', COMMANDS)).toBe("unknown command 'frobnicate' ('flowhound help' lists the commands)");
  });

  it('edit distance counts insertions, deletions, substitutions and swaps', () => {
    expect([editDistance('lan', 'lan'), editDistance('lann', 'lan'), editDistance('lna', 'lan'), editDistance('flows', 'flow'), editDistance('', 'abc')]).toEqual([0, 1, 1, 1, 3]);
    expect(nearest('demp', ['demo', 'models'])).toBe('demo');
    expect(nearest('x', ['demo', 'models'])).toBeNull();
  });
});

describe("BotRecon's short names where they mean the same", () => {
  it('-c/--min-count is --min-flows, -r is --range, -j/--jobs is --threads', () => {
    expect(parseAnalyze(['x.pcap', '-c', '20', '-r', '10.0.0.0/8', '-j', '2'])).toMatchObject({ minFlows: 20, ranges: ['10.0.0.0/8'], threads: 2 });
    expect(parseAnalyze(['x.pcap', '--min-count', '5', '--jobs', '1'])).toMatchObject({ minFlows: 5, threads: 1 });
    expect(usage(() => parseAnalyze(['x.pcap', '--min-flows', '5', '-c', '6']))).toBe('--min-flows and --min-count are the same option: give one');
  });
});

describe('--exclude in the history', () => {
  it('is part of a run\'s options and of its analysis key when given; runs without it keep theirs', () => {
    const plain = runInfo();
    const excluding = runInfo({ options: runOptions({ exclude: ['10.0.0.1'] }) });
    expect(analysisKeyOf(runInfo({ options: runOptions({ exclude: [] }) }))).toBe(analysisKeyOf(plain));
    expect(analysisKeyOf(excluding)).not.toBe(analysisKeyOf(plain));
    expect(runOptionsJson(excluding.options)).toMatchObject({ exclude: ['10.0.0.1'] });
    expect(runOptionsJson(plain.options)).not.toHaveProperty('exclude');
  });
});

describe('comma lists wherever a list is taken', () => {
  it('--lan, --model, --ip, --exclude, --infected, --host take comma lists as repeated options', () => {
    const parsed = parseAnalyze(['x.pcap', '--lan', '10.0.0.0/8,192.168.0.0/16', '--lan', '172.16.0.0/12', '--model', 'a.onnx,b.onnx', '--exclude', '10.0.0.1, 10.0.0.2']);
    expect(parsed).toMatchObject({ reader: { lan: ['10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12'] }, modelPaths: ['a.onnx', 'b.onnx'], exclude: ['10.0.0.1', '10.0.0.2'] });
    expect(command('evaluate').parse(['x.pcap', '--infected', '10.0.0.1,10.0.0.2'])).toMatchObject({ infected: ['10.0.0.1', '10.0.0.2'] });
    expect(command('flows').parse(['x.pcap', '--host', '10.0.0.1,10.0.0.0/24'])).toMatchObject({ hosts: ['10.0.0.1', '10.0.0.0/24'] });
    expect(command('features').parse(['x.pcap', '-o', 'x.arrow', '--lan', '10.0.0.0/8,192.168.0.0/16'])).toMatchObject({ reader: { lan: ['10.0.0.0/8', '192.168.0.0/16'] } });
  });
});

describe('the terminal', () => {
  it('colour: a terminal unless NO_COLOR; FORCE_COLOR anywhere, FORCE_COLOR=0 never', () => {
    expect(colourWanted({}, true)).toBe(true);
    expect(colourWanted({}, false)).toBe(false);
    expect(colourWanted({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colourWanted({ FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colourWanted({ FORCE_COLOR: '1', NO_COLOR: '1' }, false)).toBe(true);
    expect(colourWanted({ FORCE_COLOR: '0' }, true)).toBe(false);
  });

  it("tables fit the terminal's width: the score line takes what is left, long lines are cut", () => {
    const host: RankedHost = {
      host: '147.32.84.165', rank: 1, score: 0.7, peakScore: 0.9, peakWindowStartUs: 1_313_480_000_000_000, flows: 322, botnetFlows: 306,
      suspiciousNow: true, suspiciousBefore: false, reasons: [`opened mail connections to 128 SMTP servers (${'12.17.175.148, '.repeat(12)}…)`],
      scores: Array.from({ length: 200 }, (_, i) => i / 200), group: 1,
    };
    for (const columns of [80, 120, 200]) {
      const lines = rankingTerminalLines({ hosts: [host], groups: [] }, { colour: false, moreHint: '', columns });
      for (const line of lines) expect([...line].length, `${columns}: ${line}`).toBeLessThanOrEqual(columns);
      expect(lines[2]!.endsWith('…')).toBe(true);
    }
    // 80 columns: 'peak at' gives way to the score line.
    const narrowest = rankingTerminalLines({ hosts: [host], groups: [] }, { colour: false, moreHint: '', columns: 80 });
    expect(narrowest[0]).toBe('rank  host             now   peak     flows  model botnet  status  group  score');
    expect(narrowest[1]).toBe('   1  147.32.84.165  0.700  0.900       322           306  NOW         1  ▂▄▅▇█');
    const wide = rankingTerminalLines({ hosts: [host], groups: [] }, { colour: false, moreHint: '', columns: 200 })[1]!;
    const narrow = rankingTerminalLines({ hosts: [host], groups: [] }, { colour: false, moreHint: '', columns: 120 })[1]!;
    expect(wide.length).toBeGreaterThan(narrow.length);
    // Without a width (a pipe, a file): nothing is cut.
    expect(rankingTerminalLines({ hosts: [host], groups: [] }, { colour: false, moreHint: '' })[2]).toContain('12.17.175.148, '.repeat(12));
  });

  it('the progress line tells the elapsed time and, once there is a rate, the time left', () => {
    expect([formatElapsed(8.4), formatElapsed(125), formatElapsed(3720)]).toEqual(['8s', '2m05s', '1h02m']);
    expect(timeText(1, 0.5)).toBe('elapsed 1s');
    expect(timeText(30, 0.01)).toBe('elapsed 30s');
    expect(timeText(30, 0.25)).toBe('elapsed 30s, ETA 1m30s');
    expect(timeText(12, null)).toBe('elapsed 12s');
  });
});

describe('flowhound completion bash|zsh|fish', () => {
  it('knows every command and the options its help lists (demo: analyze\'s too)', () => {
    const known = completionCommands(COMMANDS);
    expect(known.map((c) => c.name)).toEqual(COMMANDS.map((c) => c.name));
    const options = (name: string) => known.find((c) => c.name === name)!.options;
    expect(options('analyze')).toEqual(expect.arrayContaining(['--lan', '--exclude', '--at', '--json', '--yes', '--verbose', '--quiet', '--help']));
    expect(options('flows')).toEqual(expect.arrayContaining(['--host', '--whole']));
    expect(options('demo')).toContain('--lan');
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const script = completionScript(shell, COMMANDS);
      for (const c of COMMANDS) expect(script, `${shell} ${c.name}`).toContain(c.name);
    }
  });

  it('the bash script completes commands, options and the topics of help', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowhound-completion-'));
    const script = join(dir, 'flowhound.bash');
    writeFileSync(script, completionScript('bash', COMMANDS));
    execFileSync('bash', ['-n', script]);
    const complete = (...words: string[]) =>
      execFileSync('bash', ['-c', `source ${script}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _flowhound; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim();
    expect(complete('flowhound', 'anal')).toBe('analyze');
    expect(complete('flowhound', 'analyze', '--exc')).toBe('--exclude');
    expect(complete('flowhound', 'help', 'dem')).toBe('demo');
    expect(complete('flowhound', 'completion', 'z')).toBe('zsh');
  });
});

describe('one naming for every JSON flowhound writes', () => {
  it('models --schema too: snake_case keys (the trainer reads models/feature-schema.json under the same keys)', () => {
    const keys = (value: unknown): string[] =>
      Array.isArray(value) ? value.flatMap(keys) : value !== null && typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]) : [];
    const document = JSON.parse(schemaJson()) as Record<string, unknown>;
    expect(keys(document).filter((key) => !/^[a-z0-9]+(_[a-z0-9]+)*$/.test(key))).toEqual([]);
    expect(Object.keys(document)).toEqual(['version', 'flow', 'host', 'host_score_aggregates', 'flow_classes', 'host_labels']);
  });
});
