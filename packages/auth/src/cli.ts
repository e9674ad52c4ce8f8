#!/usr/bin/env -S node --import tsx
/**
 * Credential administration from a shell, against the same log the server uses (`pnpm credentials`):
 * issue, list, revoke. Output is JSON on stdout; the secret of an issued credential is printed once.
 * The command line follows decision 040 (--help everywhere, exit 0/1/2).
 */
import { userInfo } from 'node:os';
import { ConfigError, loadConfig } from '@lrs/config';
import {
  CliFailure,
  type CliIo,
  type CommandLine,
  processIo,
  runCommandLine,
  runWhenMain,
  UsageError,
} from '@lrs/config/cli';
import { openEventLog } from '@lrs/event-log';
import { HttpProblem } from '@lrs/http';
import { MACHINE_ROLES } from './credential-events';
import { CredentialRegistry } from './credential-registry';
import { ALL_SCOPES } from './scopes';

const list = (value: unknown) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    : [];

export const credentialsCommandLine: CommandLine = {
  program: 'pnpm credentials',
  summary: 'issue, list and revoke the credentials of the LRS in LRS_DATA_DIR (or ESDB_URL)',
  notes: `environment: LRS_DATA_DIR (default ./data) or ESDB_URL: the log the server uses; LRS_BASE_URL.
scopes: ${ALL_SCOPES.join(', ')}
roles of machine credentials: ${MACHINE_ROLES.join(', ')} (with --jurisdiction; decision 043)`,
  commands: [
    {
      name: 'issue',
      synopsis: '--name NAME (--scopes SCOPE[,SCOPE...] | --roles ROLE[,ROLE...] --jurisdiction J)',
      summary:
        'issue a credential; prints its key and secret once (JSON, or shell variables with --format env)',
      options: {
        name: {
          type: 'string',
          placeholder: 'NAME',
          description: 'who holds it (an LMS, a training centre, a script)',
        },
        scopes: {
          type: 'string',
          placeholder: 'SCOPES',
          description: `comma-separated: ${ALL_SCOPES.join(', ')}`,
        },
        roles: {
          type: 'string',
          placeholder: 'ROLES',
          description: `machine roles, comma-separated: ${MACHINE_ROLES.join(', ')}`,
        },
        jurisdiction: {
          type: 'string',
          placeholder: 'J',
          description: 'the jurisdiction the credential reads (needed with policy-unit)',
        },
        format: {
          type: 'string',
          placeholder: 'json|env',
          description: 'env prints LRS_KEY=... and LRS_SECRET=... lines for `eval`',
        },
      },
      example: 'pnpm credentials issue --name "LMS A" --scopes statements/write,statements/read',
      run: ({ values, io, env }) =>
        withRegistry(env, async (registry) => {
          const name = values['name'];
          if (typeof name !== 'string' || name.trim() === '') throw new UsageError('--name is required');
          const scopes = list(values['scopes']);
          const roles = list(values['roles']);
          if (scopes.length === 0 && roles.length === 0)
            throw new UsageError('--scopes or --roles is required');
          const format = values['format'] ?? 'json';
          if (format !== 'json' && format !== 'env')
            throw new UsageError(`--format is json or env, not '${format}'`);
          const issued = await registry.issue({
            name,
            scopes,
            issuedBy: actor(),
            ...(roles.length > 0 ? { roles } : {}),
            ...(typeof values['jurisdiction'] === 'string' ? { jurisdiction: values['jurisdiction'] } : {}),
          });
          if (format === 'env') io.out(`LRS_KEY=${issued.key}\nLRS_SECRET=${issued.secret}\n`);
          else print(io, { ...issued.credential, secret: issued.secret });
          return 0;
        }),
    },
    {
      name: 'list',
      summary: 'list every credential ever issued (never a secret)',
      example: 'pnpm credentials list',
      run: ({ io, env }) =>
        withRegistry(env, async (registry) => {
          print(io, { credentials: registry.list() });
          return 0;
        }),
    },
    {
      name: 'revoke',
      synopsis: 'KEY [--reason TEXT]',
      summary: 'revoke a credential: its next request is refused, by every process on the log',
      args: [1, 1],
      options: { reason: { type: 'string', placeholder: 'TEXT', description: 'why (recorded in the log)' } },
      example: 'pnpm credentials revoke 3f1c9a2b --reason "LMS retired"',
      run: ({ args, values, io, env }) =>
        withRegistry(env, async (registry) => {
          const reason = typeof values['reason'] === 'string' ? { reason: values['reason'] } : {};
          print(io, await registry.revoke(args[0]!, { revokedBy: actor(), ...reason }));
          return 0;
        }),
    },
  ],
};

export function runCli(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  io: CliIo = processIo,
): Promise<number> {
  return runCommandLine(credentialsCommandLine, argv, env, io);
}

async function withRegistry(
  env: NodeJS.ProcessEnv,
  work: (registry: CredentialRegistry) => Promise<number>,
): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
  const log = await openEventLog({
    dataDir: config.dataDir,
    ...(config.esdbUrl ? { esdbUrl: config.esdbUrl } : {}),
  });
  const registry = await CredentialRegistry.start(log, { baseUrl: config.baseUrl });
  try {
    return await work(registry);
  } catch (error) {
    // The registry's refusals (unknown scope, unknown key) are the user's to fix: one line, exit 1.
    if (error instanceof HttpProblem)
      throw new CliFailure(
        `${error.message}${error.pointer ? ` (${error.pointer.replace(/^\//, '--')})` : ''}`,
      );
    throw error;
  } finally {
    await registry.stop();
    await log.close();
  }
}

function print(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

function actor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}

runWhenMain(import.meta.url, (argv) => runCli(argv));
