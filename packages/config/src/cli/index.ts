// The one command-line convention of the product's CLIs (decision 040): argument parsing with
// node:util parseArgs, --help everywhere, exit codes 0/1/2, one-line errors, progress on stderr.
export { CliFailure, EXIT, type ExitCode, UsageError } from './cli-errors';
export {
  type CliIo,
  type Command,
  type CommandContext,
  type CommandLine,
  commandHelp,
  type OptionSpec,
  type OptionSpecs,
  type OptionValues,
  processIo,
  programHelp,
  runCommandLine,
  runWhenMain,
} from './command-line';
export { readInputFile, readJsonFile } from './input-file';
export {
  describeProblem,
  LRS_CLIENT_OPTIONS,
  LRS_TOKEN_OPTION,
  LrsClient,
  type LrsRequest,
  networkReason,
  printResponse,
} from './lrs-client';
export { Progress } from './progress';
