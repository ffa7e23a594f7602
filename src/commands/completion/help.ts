// `flowhound help completion` (and `flowhound completion --help`).
export const COMPLETION_HELP = `Usage: flowhound completion bash|zsh|fish

Writes the shell's completion script for flowhound on standard output: the commands, each
command's options, file names for inputs and outputs, and the shell names after 'completion'.

Install:
  bash   flowhound completion bash > ~/.local/share/bash-completion/completions/flowhound
         (or: source <(flowhound completion bash) in ~/.bashrc)
  zsh    flowhound completion zsh > "\${fpath[1]}/_flowhound"   (then: compinit)
  fish   flowhound completion fish > ~/.config/fish/completions/flowhound.fish

  --json                     the commands and their options as JSON, for other shells and tools
  -h, --help                 this help

Examples:
  source <(flowhound completion bash)
  flowhound completion fish > ~/.config/fish/completions/flowhound.fish
`;
