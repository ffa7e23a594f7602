// `flowhound synth`: labelled flow records → a capture (and a labels sidecar), or generated traffic.
import type { Command } from '../../cli/command.js';
import { askBeforeOverwriting } from '../../cli/overwrite.js';
import { ExitCode, FlowhoundError } from '../../errors.js';
import { summaryJson } from '../../sinks/json.js';
import { SYNTH_HELP } from './help.js';
import { parseSynth, type SynthArguments } from './parse.js';

export const synthCommand: Command<SynthArguments> = {
  name: 'synth',
  synopsis: 'FLOWS',
  summary: 'a capture rebuilt from labelled flow records (CTU-13), or generated traffic',
  help: SYNTH_HELP,
  parse: parseSynth,
  async run(options, context) {
    const synthContext = { quiet: options.quiet, log: context.log, signal: context.signal, confirmOverwrite: options.yes ? undefined : askBeforeOverwriting };
    // Loaded here, not at start-up: help, version and usage errors load none of the run's modules.
    const { runGenerate, runSynthRecords } = await import('./run.js');
    const summary = options.generate ? await runGenerate(options.traffic, synthContext) : await runSynthRecords(options.records, synthContext);
    if (summary.cancelled) throw new FlowhoundError('ERR_INTERRUPTED', 'interrupted; the incomplete capture was removed');
    if (options.json) await context.write(summaryJson('synth', { ...summary, output: options.generate ? options.traffic.output : options.records.output }));
    return ExitCode.ok;
  },
};
