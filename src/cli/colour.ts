// Whether the terminal table is coloured: on a terminal, unless NO_COLOR says not
// (https://no-color.org); anywhere when FORCE_COLOR says so (a pager, CI logs that keep
// colour), as Node, chalk and most tools read them. FORCE_COLOR=0 (or false) turns it off.

/** Colour wanted on standard output. */
export function colourWanted(env: NodeJS.ProcessEnv = process.env, isTTY = process.stdout.isTTY === true): boolean {
  const force = env.FORCE_COLOR;
  if (force !== undefined) return !['0', 'false'].includes(force.toLowerCase());
  if (env.NO_COLOR) return false;
  return isTTY;
}
