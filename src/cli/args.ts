/** A mistake in how a command was called: exit code 2 with a hint. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Every command takes -h/--help: prints the command's help and reports that it did. */
export const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export function printedHelp(values: { help?: boolean }, help: string): boolean {
  if (!values.help) return false;
  process.stdout.write(`${help}\n`);
  return true;
}
