import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@lrs/config';
import { type Listening, listen } from '@lrs/http';
import { SCHEDULER } from '@lrs/service-audit';
import { expect } from 'chai';
import nock from 'nock';
import { createLrsApp, type LrsSystem, type SystemOptions, startLrsSystem } from '../../src';

/** The LRS's real statement write path, for harnesses that need a store without the HTTP API. */
export { StatementStore } from '@lrs/service-lrs';

export const ADMIN = { key: 'admin', secret: 'change-me-please-now' };
export type Credential = { key: string; secret: string };

export const basic = (c: Credential) => `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`;

export interface CallOptions {
  /** A JSON value sent as application/json (unless headers say otherwise). */
  json?: unknown;
  /** Raw body. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** X-Experience-API-Version; null sends none. Default 1.0.3. */
  version?: string | null;
  /** Credential; null sends no Authorization. Default the bootstrap admin. */
  as?: Credential | null;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  body: unknown;
  /** The `error` of a problem body. */
  error: { status: number; rule: string; message: string; pointer?: string } | undefined;
}

/** One LRS (system + HTTP server) on 127.0.0.1 with its own temp data dir. */
export class TestLrs {
  private constructor(
    readonly system: LrsSystem,
    private readonly server: Listening,
    private readonly dataDir: string,
  ) {}

  static async start(env: Record<string, string> = {}, options: SystemOptions = {}): Promise<TestLrs> {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    const dataDir = mkdtempSync(join(tmpdir(), 'lrs-statements-'));
    const config = loadConfig({
      LRS_DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LRS_BOOTSTRAP_KEY: ADMIN.key,
      LRS_BOOTSTRAP_SECRET: ADMIN.secret,
      LRS_LOG_LEVEL: 'silent',
      // Tests sign tokens without issuer or audience unless they test those checks.
      LRS_ENV: 'development',
      ...env,
    });
    const system = await startLrsSystem(config, options);
    const server = await listen(createLrsApp(system), {
      port: 0,
      host: '127.0.0.1',
      ...(config.preAuth ? { maxConnections: config.preAuth.maxConnections } : {}),
    });
    return new TestLrs(system, server, dataDir);
  }

  get url(): string {
    return this.server.url;
  }

  /** The xAPI endpoint, with a trailing slash as clients expect. */
  get endpoint(): string {
    return `${this.server.url}/xapi/`;
  }

  async stop(): Promise<void> {
    await this.server.close();
    await this.system.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    nock.enableNetConnect();
  }

  /** A request to `path` (relative to /xapi, or absolute from the server root when it starts with /xapi). */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    const headers: Record<string, string> = {};
    const version = options.version === undefined ? '1.0.3' : options.version;
    if (version !== null) headers['X-Experience-API-Version'] = version;
    const as = options.as === undefined ? ADMIN : options.as;
    if (as !== null) headers.Authorization = basic(as);
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['Content-Type'] = 'application/json';
    }
    Object.assign(headers, options.headers);
    const url = path.startsWith('/xapi') ? `${this.server.url}${path}` : `${this.server.url}/xapi/${path}`;
    const res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const error =
      parsed !== null && typeof parsed === 'object' && 'error' in parsed
        ? (parsed as { error: Reply['error'] }).error
        : undefined;
    return { status: res.status, headers: res.headers, text, body: parsed, error };
  }

  /**
   * Waits until every read model of the system has applied the log up to its head as it is now:
   * what a test needs before reading, as one principal, what another principal has just written
   * (xAPI promises each writer its own writes, not everyone's at once). Waits on log positions,
   * never on time; fails the test when a model does not get there within `timeoutMs`.
   */
  async caughtUp(timeoutMs = 10_000): Promise<void> {
    await caughtUp(this.system, timeoutMs);
  }

  /** Number of statement events in the log: a failed write must leave it unchanged. */
  /**
   * Runs the reporting-duty scheduler as it would run at `atMs` (decision 051): takes every
   * occurrence whose cut-off has passed by then and that no one has taken; returns those it took.
   */
  runDuties(atMs: number) {
    return this.system.audit.duties.run(atMs, SCHEDULER);
  }

  async statementCount(): Promise<number> {
    const events = await this.system.log.readAll({ filter: { typePrefixes: ['xapi.statement'] } });
    return events.length;
  }

  /** Number of events of any kind in the log (statements, attachments, credentials). */
  async eventCount(): Promise<number> {
    return (await this.system.log.readAll()).length;
  }

  /** Issues a credential with these scopes through the admin API. */
  async issueCredential(name: string, scopes: string[]): Promise<Credential> {
    const res = await fetch(`${this.server.url}/api/admin/credentials`, {
      method: 'POST',
      headers: { Authorization: basic(ADMIN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, scopes }),
    });
    expect(res.status, await res.clone().text()).to.equal(201);
    const issued = (await res.json()) as { key: string; secret: string };
    return { key: issued.key, secret: issued.secret };
  }
}

/**
 * Waits until every read model of `system` has applied the log up to its head as it is now
 * (TestLrs.caughtUp, for harnesses that start a system of their own). Waits on log positions,
 * never on time; fails when a model does not get there within `timeoutMs`.
 */
export async function caughtUp(system: LrsSystem, timeoutMs = 10_000): Promise<void> {
  const head = await system.log.headPosition();
  if (head === null) return;
  const { index, documents, completion } = system;
  for (const running of [
    index.running,
    documents.index.running,
    documents.agents.running,
    documents.activities.running,
    completion.running,
  ])
    expect(
      await running.waitFor(head, timeoutMs),
      `${running.projection.name} reached the log head`,
    ).to.equal(true);
}

/** Asserts a problem response: status, rule and (when given) pointer. */
export function expectProblem(reply: Reply, status: number, rule: string, pointer?: string): void {
  expect(reply.status, reply.text).to.equal(status);
  expect(reply.error?.rule, reply.text).to.equal(rule);
  if (pointer !== undefined) expect(reply.error?.pointer, reply.text).to.equal(pointer);
}

/** Asserts a write was rejected and appended nothing. */
export async function expectNothingWritten(lrs: TestLrs, before: number): Promise<void> {
  expect(await lrs.statementCount(), 'statements in the log').to.equal(before);
}

export interface StatementResult {
  statements: Record<string, unknown>[];
  more: string;
}

export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
