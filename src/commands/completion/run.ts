// `flowhound completion bash|zsh|fish`: each shell's completion script, made from the command
// table itself (names, summaries, and the options each command's help lists), so that it never
// falls behind the commands.
import type { Command } from '../../cli/command.js';
import { commonOptions } from '../../cli/options.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionCommand {
  name: string;
  summary: string;
  /** Its long options, `--lan`, in the order its help gives them, then the common ones. */
  options: string[];
  /** What its words that are not options are: files, command names, shell names. */
  words: 'files' | 'commands' | 'shells' | 'none';
}

const COMMON = Object.keys(commonOptions).map((name) => `--${name}`);

/** What completion knows of each command: read from its help, which lists every option it takes. */
export function completionCommands(commands: readonly Command[]): CompletionCommand[] {
  // demo takes analyze's options.
  const analyzeHelp = commands.find((command) => command.name === 'analyze')?.help ?? '';
  return commands.map((command) => {
    const help = command.name === 'demo' ? `${command.help}${analyzeHelp}` : command.help;
    const listed = [...help.matchAll(/(?<![\w-])--[a-z][a-z0-9-]*/g)].map((match) => match[0]);
    const words = command.name === 'help' ? 'commands' : command.name === 'completion' ? 'shells' : command.name === 'version' || command.name === 'models' ? 'none' : 'files';
    return { name: command.name, summary: command.summary, options: [...new Set([...listed, ...COMMON])], words };
  });
}

const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

function bash(commands: CompletionCommand[]): string {
  const names = commands.map((c) => c.name).join(' ');
  const cases = commands
    .map((c) => {
      const words = c.words === 'commands' ? names : c.words === 'shells' ? SHELLS.join(' ') : '';
      return `    ${c.name}) opts=${quote(c.options.join(' '))}; words=${quote(words)}; files=${c.words === 'files' ? 1 : 0} ;;`;
    })
    .join('\n');
  return `# bash completion for flowhound (flowhound completion bash)
_flowhound() {
  local cur opts words files
  cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${quote(`${names} -h --help -V --version`)} -- "$cur") )
    return
  fi
  case "\${COMP_WORDS[1]}" in
${cases}
    *) return ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
  elif [ -n "$words" ]; then
    COMPREPLY=( $(compgen -W "$words" -- "$cur") )
  elif [ "$files" = 1 ]; then
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
}
complete -o filenames -o bashdefault -F _flowhound flowhound
`;
}

function zsh(commands: CompletionCommand[]): string {
  const described = commands.map((c) => `    ${quote(`${c.name}:${c.summary.replaceAll(':', '\\:')}`)}`).join('\n');
  const cases = commands
    .map((c) => {
      const words = c.words === 'commands' ? `compadd -- ${commands.map((x) => x.name).join(' ')}` : c.words === 'shells' ? `compadd -- ${SHELLS.join(' ')}` : c.words === 'files' ? '_files' : ':';
      return `    ${c.name}) opts=(${c.options.join(' ')}); others() { ${words} } ;;`;
    })
    .join('\n');
  return `#compdef flowhound
# zsh completion for flowhound (flowhound completion zsh)
_flowhound() {
  local -a commands opts
  commands=(
${described}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  case $words[2] in
${cases}
    *) return 1 ;;
  esac
  if [[ $PREFIX == -* ]]; then
    compadd -- $opts
  else
    others
  fi
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _flowhound "$@"
else
  compdef _flowhound flowhound
fi
`;
}

function fish(commands: CompletionCommand[]): string {
  const lines = ['# fish completion for flowhound (flowhound completion fish)', 'complete -c flowhound -f'];
  for (const c of commands) lines.push(`complete -c flowhound -n __fish_use_subcommand -a ${c.name} -d ${quote(c.summary)}`);
  for (const c of commands) {
    const when = `-n ${quote(`__fish_seen_subcommand_from ${c.name}`)}`;
    for (const option of c.options) lines.push(`complete -c flowhound ${when} -l ${option.slice(2)}`);
    if (c.words === 'files') lines.push(`complete -c flowhound ${when} -F`);
    if (c.words === 'commands') lines.push(`complete -c flowhound ${when} -a ${quote(commands.map((x) => x.name).join(' '))}`);
    if (c.words === 'shells') lines.push(`complete -c flowhound ${when} -a ${quote(SHELLS.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The completion script of `shell` for `commands`. */
export function completionScript(shell: Shell, commands: readonly Command[]): string {
  const known = completionCommands(commands);
  switch (shell) {
    case 'bash':
      return bash(known);
    case 'zsh':
      return zsh(known);
    case 'fish':
      return fish(known);
  }
}
