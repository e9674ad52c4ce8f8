import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lrsNodeOptions } from '@lrs/server';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const ADMIN = { key: 'reliability-admin', secret: 'reliability-secret-0123456789' };
export type Credential = { key: string; secret: string };
export const basic = (c: Credential) => `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`;

/** A port the OS just handed out; the child binds it (a tiny race, acceptable on 127.0.0.1). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => done(port));
    });
  });
}

export function tempDataDir(prefix = 'lrs-reliability-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The LRS as users run it (`node --import tsx services/server/src/main.ts`) in a child process
 * on the embedded store, so a SIGKILL is a real crash: no finally blocks, no flushes.
 */
export class LrsProcess {
  private stderrText = '';
  readonly exited: Promise<Exit>;
  private exitInfo: Exit | null = null;

  private constructor(
    readonly proc: ChildProcess,
    readonly url: string,
    readonly dataDir: string,
  ) {
    this.exited = new Promise((done) => {
      proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        done(this.exitInfo);
      });
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      // Bounded: only the tail matters when a start-up fails.
      this.stderrText = (this.stderrText + chunk.toString()).slice(-20_000);
    });
    proc.stdout?.resume();
  }

  /** Spawns the service (with extra node options before the script); does not wait for it (see ready()). */
  static async spawn(
    dataDir: string,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
  ): Promise<LrsProcess> {
    const port = await freePort();
    const script = join('services', 'server', 'src', 'main.ts');
    // The service's own node options first (as `npm start`), then the test's.
    const args = [...lrsNodeOptions(), ...nodeArgs, '--import', 'tsx', script];
    const proc = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        HOST: '127.0.0.1',
        LRS_DATA_DIR: dataDir,
        LRS_BOOTSTRAP_KEY: ADMIN.key,
        LRS_BOOTSTRAP_SECRET: ADMIN.secret,
        LRS_LOG_LEVEL: 'warn',
        ...env,
      },
    });
    return new LrsProcess(proc, `http://127.0.0.1:${port}`, dataDir);
  }

  /** Spawns and waits until GET /health answers 200. */
  static async start(
    dataDir: string,
    env: Record<string, string> = {},
    nodeArgs: string[] = [],
  ): Promise<LrsProcess> {
    const lrs = await LrsProcess.spawn(dataDir, env, nodeArgs);
    await lrs.ready();
    return lrs;
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get endpoint(): string {
    return `${this.url}/xapi/`;
  }

  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!this.alive)
        throw new Error(`LRS exited during start-up: ${JSON.stringify(this.exitInfo)} ${this.stderr}`);
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(50);
    }
    throw new Error(`LRS did not become ready within ${timeoutMs} ms: ${this.stderr}`);
  }

  /** GET /health as JSON, with the details only an admin or `all` credential sees. */
  async health(): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.url}/health`, { headers: { Authorization: basic(ADMIN) } });
    return (await res.json()) as Record<string, unknown>;
  }

  /** Waits until the statements index reports nothing behind the log head. */
  async projectionsCaughtUp(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const h = (await this.health()) as {
        projections?: Record<string, { behind?: number; status?: string }>;
      };
      const all = Object.values(h.projections ?? {});
      if (all.length > 0 && all.every((p) => p.behind === 0 && p.status === 'live')) return;
      await sleep(50);
    }
    throw new Error('projections did not catch up');
  }

  /** A crash: SIGKILL, then wait for the exit. */
  async kill(): Promise<Exit> {
    if (this.alive) this.proc.kill('SIGKILL');
    return this.exited;
  }

  /** A clean stop: SIGTERM, then wait for the exit. */
  async stop(): Promise<Exit> {
    if (this.alive) this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 15_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resident set size of the child in KiB (Linux /proc), or null when unavailable. */
  rssKiB(): number | null {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(status);
      return m ? Number(m[1]) : null;
    } catch {
      return null;
    }
  }

  /** An xAPI or admin request; `path` starting with '/' is from the server root, else under /xapi/. */
  async call(method: string, path: string, options: CallOptions = {}): Promise<Reply> {
    return call(this.url, method, path, options);
  }
}

export interface CallOptions {
  json?: unknown;
  body?: string | Buffer;
  headers?: Record<string, string>;
  as?: Credential | null;
  version?: string | null;
  timeoutMs?: number;
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  body: unknown;
}

export async function call(
  base: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const headers: Record<string, string> = {};
  const version = options.version === undefined ? '1.0.3' : options.version;
  if (version !== null) headers['X-Experience-API-Version'] = version;
  const as = options.as === undefined ? ADMIN : options.as;
  if (as !== null) headers.Authorization = basic(as);
  let body = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['Content-Type'] = 'application/json';
  }
  Object.assign(headers, options.headers);
  const url = path.startsWith('/') ? `${base}${path}` : `${base}/xapi/${path}`;
  const res = await fetch(url, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Mulberry32: a small seeded PRNG so a failing run can be reproduced from its printed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed from `envName` when set (to reproduce), else a fresh one. */
export function seedFrom(envName: string): number {
  const raw = process.env[envName];
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : Math.floor(Math.random() * 2 ** 31);
}
