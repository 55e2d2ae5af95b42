import { type ParseArgsConfig, parseArgs } from 'node:util';
import { didYouMean } from '@vjepa/config';
import { ConfigError } from '@vjepa/errors';

/**
 * The flags of one command, as `node:util`'s `parseArgs` takes them.
 *
 * @example
 * const flags = { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } satisfies CommandFlags;
 */
export type CommandFlags = NonNullable<ParseArgsConfig['options']>;

/**
 * The values of parsed flags, typed from the flags (a string flag gives `string | undefined`, a
 * repeatable one `string[] | undefined`, a boolean one `boolean | undefined`).
 *
 * @example
 * const v: ParsedFlags<{ out: { type: 'string' } }> = { out: 'a.npy' };
 */
export type ParsedFlags<T extends CommandFlags> = ReturnType<typeof parseArgs<{ args: string[]; options: T; allowPositionals: false; strict: true }>>['values'];

/**
 * Parses the flags of a CLI command strictly (no positionals) with `node:util`'s `parseArgs`, the
 * way both CLIs read their command lines:
 * - a leading `--` is dropped, so `pnpm run main -- --set meta.seed=11` works (pnpm passes the `--` on);
 * - an unknown flag is a ConfigError naming it and, when one is close, the flag meant
 *   (`vjepa-eval main: --sett: ... did you mean --set?`), as config keys get;
 * - a missing value or a stray argument is a ConfigError saying so, with `<program> --help` as the hint.
 *
 * @example
 * const values = parseCommandLine(['--', '--set', 'a=1'], { set: { type: 'string', multiple: true } }, 'vjepa-train');
 * values.set; // ['a=1']
 */
export function parseCommandLine<const T extends CommandFlags>(argv: readonly string[], flags: T, program: string): ParsedFlags<T> {
  const args = argv[0] === '--' ? argv.slice(1) : [...argv];
  try {
    return parseArgs({ args, options: flags, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw commandLineError(e, flags, program);
  }
}

function commandLineError(e: unknown, flags: CommandFlags, program: string): unknown {
  const code = (e as { code?: string } | null)?.code;
  const message = e instanceof Error ? e.message : String(e);
  const help = `see ${program} --help`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']*)'/.exec(message)?.[1] ?? '?';
    const name = flag.replace(/^-+/, '').split('=')[0];
    const guess = flag.startsWith('--') ? didYouMean(name, Object.keys(flags)) : undefined;
    return new ConfigError(`${program}: ${flag}`, {
      expected: 'one of its flags',
      received: 'an unknown flag',
      hint: guess === undefined ? help : `did you mean --${guess}? (${help})`,
    });
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    return new ConfigError(`${program}: ${/'(--?[^' ]*)/.exec(message)?.[1] ?? 'a flag'}`, { expected: 'a flag used as --help says', received: message, hint: help });
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1] ?? '?';
    return new ConfigError(`${program}: ${JSON.stringify(arg)}`, { expected: 'only flags (--name value)', received: 'an argument that is not a flag', hint: `every value follows its flag; ${help}` });
  }
  return e;
}

/**
 * The error for an unknown command of a CLI with commands: names it, lists the commands, and
 * suggests the closest (`vjepa-eval extrat` -> did you mean extract?).
 *
 * @example
 * throw unknownCommandError('extrat', ['extract', 'probe', 'suite', 'main'], 'vjepa-eval');
 */
export function unknownCommandError(command: string, commands: readonly string[], program: string): ConfigError {
  const guess = didYouMean(command, commands);
  return new ConfigError(`${program} ${JSON.stringify(command)}`, {
    expected: `a command: ${commands.join(', ')}`,
    received: 'an unknown command',
    hint: guess === undefined ? `see ${program} --help` : `did you mean ${program} ${guess}?`,
  });
}
