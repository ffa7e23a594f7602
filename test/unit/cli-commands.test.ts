// The command layer: every command answers `help NAME` and `NAME --help` with its own help, the
// main help lists them all, and the options commands share are checked alike everywhere.
import { describe, expect, it } from 'vitest';

import { COMMANDS } from '../../src/cli.js';
import { HELP_WANTED, runCommand, type CommandContext } from '../../src/cli/command.js';
import { helpCommand, mainHelp } from '../../src/commands/help.js';
import { FlowhoundError } from '../../src/errors.js';

async function output(name: string, args: string[]): Promise<string> {
  let written = '';
  const context: CommandContext = {
    signal: new AbortController().signal,
    log: () => {},
    write: (data) => {
      written += String(data);
      return Promise.resolve();
    },
    commands: COMMANDS,
  };
  const command = COMMANDS.find((candidate) => candidate.name === name)!;
  expect(await runCommand(command, args, context)).toBe(0);
  return written;
}

function usageMessage(parse: () => unknown): string {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(FlowhoundError);
    expect((error as FlowhoundError).code).toBe('ERR_USAGE');
    return (error as FlowhoundError).message;
  }
  throw new Error('no usage error');
}

describe('the commands', () => {
  it('each has a name, a one-line summary and its own help', () => {
    expect(COMMANDS.map((command) => command.name)).toEqual(['analyze', 'live', 'serve', 'evaluate', 'demo', 'models', 'report', 'flows', 'synth', 'features', 'help', 'version', 'completion']);
    for (const command of COMMANDS) {
      expect(command.summary).not.toContain('\n');
      expect(command.help.startsWith(`Usage: flowhound ${command.name}`), command.name).toBe(true);
      expect(command.help.endsWith('\n')).toBe(true);
    }
  });

  it("answer 'help NAME', 'NAME --help' and 'NAME -h' with their help", async () => {
    for (const command of COMMANDS) {
      expect(await output('help', [command.name])).toBe(command.help);
      expect(await output(command.name, ['--help'])).toBe(command.help);
      expect(command.parse(['-h'])).toBe(HELP_WANTED);
    }
    await expect(output('help', ['nope'])).rejects.toThrow("unknown command 'nope'");
  });

  it('are all in the main help, a line each', async () => {
    const help = await output('help', []);
    expect(help).toBe(mainHelp(COMMANDS));
    for (const command of COMMANDS) expect(help).toContain(` ${command.summary}\n`);
    expect(help).toContain("\n  evaluate INPUT… score analyze's host scores");
    expect(help).toContain("\n  help [COMMAND]  this text, or a command's own help\n");
    expect(helpCommand.parse(['analyze'])).toEqual({ topic: 'analyze', json: false });
  });
});

describe('the shared options', () => {
  const parse = (name: string, args: string[]) => () => COMMANDS.find((command) => command.name === name)!.parse(args);

  it('--utc-offset is checked alike by every command that takes it', () => {
    const cases: [string, string[]][] = [
      ['flows', ['x.binetflow']],
      ['features', ['x.binetflow', '-o', 'f.arrow']],
      ['analyze', ['x.binetflow']],
      ['evaluate', ['x.binetflow']],
      ['synth', ['x.binetflow', '-o', 'x.pcap']],
      ['report', []],
    ];
    for (const [name, args] of cases) {
      expect(usageMessage(parse(name, [...args, '--utc-offset', '1.5'])), name).toBe("--utc-offset needs whole minutes from -1080 to 1080, got '1.5'");
      expect(usageMessage(parse(name, [...args, '--utc-offset', '1200'])), name).toBe("--utc-offset needs whole minutes from -1080 to 1080, got '1200'");
    }
  });

  it('the reading options mean the same to flows, features, analyze and evaluate', () => {
    const reading = ['--window', '60', '--step', '30', '--utc-offset', '120', '--max-active-flows', '1000', '--uncertain-direction', 'service-port', '--keep-going'];
    const expected = { windowSeconds: 60, stepSeconds: 30, utcOffsetMinutes: 120, maxActiveFlows: 1000, uncertainDirection: 'service-port', keepGoing: true };
    expect(parse('flows', ['x.pcap', ...reading])()).toMatchObject(expected);
    expect(parse('features', ['x.pcap', '-o', 'f.arrow', ...reading])()).toMatchObject({ reader: expected });
    expect(parse('analyze', ['x.pcap', ...reading])()).toMatchObject({ reader: expected });
    expect(parse('evaluate', ['x.pcap', ...reading])()).toMatchObject({ reader: expected });
    for (const name of ['flows', 'analyze', 'evaluate']) {
      expect(usageMessage(parse(name, ['x.pcap', '--max-active-flows', '1.5'])), name).toBe("--max-active-flows needs a whole number of flows from 1 to 2147483647, got '1.5'");
      expect(usageMessage(parse(name, ['x.pcap', '--uncertain-direction', 'server'])), name).toBe("--uncertain-direction must be first-sender or service-port, got 'server'");
    }
  });

  it('--format names the formats of the command', () => {
    expect(usageMessage(parse('flows', ['x.pcap', '--format', 'json']))).toBe("--format must be csv, arrow or parquet, got 'json'");
    expect(usageMessage(parse('analyze', ['x.pcap', '--format', 'xml']))).toBe("--format must be table, json, csv, arrow or parquet, got 'xml'");
    expect(usageMessage(parse('evaluate', ['x.pcap', '--format', 'csv']))).toBe("--format must be table or json, got 'csv'");
    expect(usageMessage(parse('report', ['--format', 'txt']))).toBe("--format must be html, json or csv, got 'txt'");
  });

  it('demo is analyze with its capture and LAN, unless given others', () => {
    const demo = parse('demo', [])() as { inputs: string[]; reader: { lan: string[] } };
    expect(demo.inputs).toHaveLength(1);
    expect(demo.inputs[0]).toMatch(/models\/demo\/ctu13-scenario6-slice\.pcap$/);
    expect(demo.reader.lan).toEqual(['147.32.0.0/16']);
    expect(parse('demo', ['mine.pcap', '--lan', '10.0.0.0/8'])()).toMatchObject({ inputs: ['mine.pcap'], reader: { lan: ['10.0.0.0/8'] } });
  });
});
