import { parseArgs } from 'node:util';
import { CliFailure, EXIT, UsageError } from './cli-errors';

/** Where a CLI writes: stdout for results (JSON), stderr for problems, hints and progress. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Whether stderr is a terminal (progress redraws one line there, prints steps elsewhere). */
  readonly errIsTTY?: boolean;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  get errIsTTY() {
    return process.stderr.isTTY === true;
  },
};

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** One line for --help. */
  description: string;
  /** The value's name in --help (`--name NAME`). */
  placeholder?: string;
  short?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;
export type OptionValues = Record<string, string | boolean | undefined>;

export interface CommandContext {
  values: OptionValues;
  /** The positionals after the command's words. */
  args: string[];
  env: NodeJS.ProcessEnv;
  io: CliIo;
}

export interface Command {
  /** One or more words: `list`, `roster import`. */
  name: string;
  /** What follows the command's words in the usage line: `--name NAME --scopes SCOPE[,SCOPE...]`. */
  synopsis?: string;
  summary: string;
  /** How many positionals the command takes after its words: [min, max]. Default [0, 0]. */
  args?: readonly [number, number];
  options?: OptionSpecs;
  /** A command line that works, shown by --help. */
  example: string;
  /**
   * Options the command does not declare are passed on in `args`, in order, for a command that
   * hands them to code with its own options (a benchmark suite). Its declared options still parse.
   */
  passThrough?: boolean;
  run(context: CommandContext): Promise<number>;
}

export interface CommandLine {
  /** How the user types it: `pnpm credentials`. */
  program: string;
  summary: string;
  commands: readonly Command[];
  /** Options every command accepts (e.g. --url, --key, --secret). */
  options?: OptionSpecs;
  /** Extra lines for the program's --help (environment variables, notes). */
  notes?: string;
}

const HELP: OptionSpecs = { help: { type: 'boolean', short: 'h', description: 'show this help' } };

/**
 * Runs one command line the same way in every CLI (decision 040): `--help`/`-h` and `help` on the
 * program and on every command, unknown commands and options as usage errors, and exit codes 0
 * done, 1 failed, 2 usage, with every problem on one line of stderr.
 */
export async function runCommandLine(
  cli: CommandLine,
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  let command: Command | undefined;
  try {
    const all: OptionSpecs = { ...HELP, ...cli.options };
    for (const c of cli.commands) Object.assign(all, c.options);
    const specs = (options: OptionSpecs) =>
      Object.fromEntries(
        Object.entries(options).map(([name, o]) => [
          name,
          { type: o.type, ...(o.short ? { short: o.short } : {}) },
        ]),
      );
    let parsed: { values: OptionValues; positionals: string[] };
    const through = cli.commands.find(
      (c) => c.passThrough && argv.find((a) => !a.startsWith('-')) === c.name,
    );
    if (through) {
      parsed = passThrough(argv, specs({ ...HELP, ...cli.options, ...through.options }));
    } else {
      try {
        parsed = parseArgs({
          args: [...argv],
          allowPositionals: true,
          strict: true,
          options: specs(all),
        }) as {
          values: OptionValues;
          positionals: string[];
        };
      } catch (error) {
        // util.parseArgs: "Unknown option '--x'", "Option '--name <value>' argument missing".
        throw new UsageError((error as Error).message.replace(/\. To specify a positional.*$/s, ''));
      }
    }
    let positionals = parsed.positionals;
    let wantsHelp = parsed.values['help'] === true;
    if (positionals[0] === 'help') {
      wantsHelp = true;
      positionals = positionals.slice(1);
    }
    command = matchCommand(cli.commands, positionals);
    if (wantsHelp) {
      io.out(command ? commandHelp(cli, command) : programHelp(cli));
      return EXIT.ok;
    }
    if (!command) {
      if (positionals.length === 0) throw new UsageError('a command is needed');
      throw new UsageError(`unknown command '${positionals.join(' ')}'`);
    }
    const allowed = new Set([
      ...Object.keys(HELP),
      ...Object.keys(cli.options ?? {}),
      ...Object.keys(command.options ?? {}),
    ]);
    for (const [name, value] of Object.entries(parsed.values))
      if (value !== undefined && !allowed.has(name))
        throw new UsageError(`'${command.name}' has no option --${name}`);
    const args = positionals.slice(command.name.split(' ').length);
    const [min, max] = command.args ?? [0, 0];
    if (args.length < min)
      throw new UsageError(`'${command.name}' needs ${command.synopsis ?? `${min} argument(s)`}`);
    if (args.length > max)
      throw new UsageError(`'${command.name}' does not take '${args.slice(max).join(' ')}'`);
    return await command.run({ values: parsed.values, args, env, io });
  } catch (error) {
    return reportError(cli, command, error, io);
  }
}

/** The declared options parsed; every other token kept in order among the positionals. */
function passThrough(
  argv: readonly string[],
  options: Record<string, { type: 'string' | 'boolean'; short?: string }>,
): { values: OptionValues; positionals: string[] } {
  const { tokens } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options,
  });
  const values: OptionValues = {};
  const positionals: string[] = [];
  for (const token of tokens ?? []) {
    if (token.kind === 'positional') positionals.push(token.value);
    else if (token.kind === 'option-terminator') continue;
    else if (options[token.name]) {
      if (options[token.name]!.type === 'string' && token.value === undefined)
        throw new UsageError(`option --${token.name} needs a value`);
      values[token.name] = options[token.name]!.type === 'string' ? token.value : true;
    } else positionals.push(token.inlineValue ? `${token.rawName}=${token.value}` : token.rawName);
  }
  return { values, positionals };
}

function reportError(cli: CommandLine, command: Command | undefined, error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const help = command ? `${cli.program} ${command.name} --help` : `${cli.program} --help`;
    io.err(`${cli.program}: ${error.message} (usage: ${help})\n`);
    return EXIT.usage;
  }
  if (error instanceof CliFailure) {
    io.err(`${cli.program}: ${error.message}\n`);
    return EXIT.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.err(`${cli.program}: ${oneLine(message)}\n`);
  return EXIT.failure;
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, '; ');

/** The command whose words start the positionals, the longest first (`roster import` before `roster`). */
function matchCommand(commands: readonly Command[], positionals: string[]): Command | undefined {
  let best: Command | undefined;
  for (const c of commands) {
    const words = c.name.split(' ');
    if (words.every((w, i) => positionals[i] === w) && (!best || words.length > best.name.split(' ').length))
      best = c;
  }
  return best;
}

function optionLines(options: OptionSpecs): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.placeholder ?? 'VALUE'}` : ''}`,
    o.description,
  ]);
  const width = Math.max(0, ...rows.map(([left]) => left!.length));
  return rows.map(([left, right]) => `  ${left!.padEnd(width)}  ${right}`);
}

export function programHelp(cli: CommandLine): string {
  const lines = [`${cli.program}: ${cli.summary}`, '', 'commands:'];
  const usages = cli.commands.map((c) => [`${c.name}${c.synopsis ? ` ${c.synopsis}` : ''}`, c.summary]);
  for (const [usage, summary] of usages) lines.push(`  ${cli.program} ${usage}`, `      ${summary}`);
  if (cli.options && Object.keys(cli.options).length > 0)
    lines.push('', 'options of every command:', ...optionLines(cli.options));
  if (cli.notes) lines.push('', cli.notes);
  lines.push(
    '',
    `'${cli.program} COMMAND --help' shows a command's options and an example.`,
    'exit codes: 0 done, 1 failed, 2 usage error.',
  );
  return `${lines.join('\n')}\n`;
}

export function commandHelp(cli: CommandLine, command: Command): string {
  const lines = [
    `usage: ${cli.program} ${command.name}${command.synopsis ? ` ${command.synopsis}` : ''}`,
    '',
    command.summary,
  ];
  const options = { ...command.options, ...cli.options, ...HELP };
  lines.push('', 'options:', ...optionLines(options));
  lines.push('', 'example:', `  ${command.example}`, '', 'exit codes: 0 done, 1 failed, 2 usage error.');
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `main` when this module is the process's entry point and sets the exit code; the CLIs'
 * modules are also imported by tests, which call their run function themselves.
 */
export function runWhenMain(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  const entry = process.argv[1];
  if (entry === undefined || !moduleUrl.endsWith(entry.replace(/\\/g, '/'))) return;
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${oneLine(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
