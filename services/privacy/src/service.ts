import type { Principal } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { Forbidden, type Logger, NotFound } from '@lrs/http';
import type { CompletionReader } from '@lrs/training';
import { type Agent, agentIfiKey } from '@lrs/xapi';
import { type ExportKind, exportCsv, exportSubject, type PrivacySources, type SubjectExport } from './export';
import { exportFormat } from './export-format';
import { Retention, type SubjectEraser } from './retention';

export interface PrivacyDeps {
  log: EventLog;
  sources: PrivacySources;
  /** The completion read model (it holds the ledger): caught up with the log head, then read. */
  completion: { catchUp(): Promise<void>; reader(): CompletionReader };
  /** Erases one person; null until packages/privacy is wired (the job then only runs dry runs). */
  eraser?: SubjectEraser | null;
  logger?: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => number;
  /** The retention job's check interval (default one hour; 0: no schedule). */
  retentionEveryMs?: number;
}

/** An export as a download: JSON, or one CSV file per kind of record (decision 070). */
export interface Download {
  contentType: string;
  filename: string;
  body: string;
}

const isAdmin = (p: Principal) => p.roles.includes('admin') || p.scopes.has('admin');

/**
 * Who may download a person's data: an administrator, for anyone; an official, for themselves.
 * Checked before the official is looked up: asking for someone else learns nothing.
 */
export function assertMayExport(principal: Principal, officialId: string | null): void {
  if (isAdmin(principal)) return;
  if (officialId !== null && principal.roles.includes('official') && principal.officialId === officialId)
    return;
  throw new Forbidden({
    rule: 'privacy.access',
    message:
      officialId === null
        ? 'exports of an xAPI identifier are for administrators'
        : principal.roles.includes('official')
          ? 'an official downloads only their own data'
          : 'personal-data exports are for the person themselves and administrators',
    ...(officialId === null ? { pointer: '/body/agent' } : { pointer: '/path/officialId' }),
  });
}

/** Retention settings, their dry run and the job's state are for administrators. */
export function assertPrivacyAdmin(principal: Principal): void {
  if (isAdmin(principal)) return;
  throw new Forbidden({ rule: 'privacy.access', message: 'retention is set and reviewed by administrators' });
}

/** Access, portability and retention of personal data (services/privacy). */
export class PrivacyService {
  readonly retention: Retention;

  private constructor(private readonly deps: PrivacyDeps) {
    this.retention = new Retention(deps.log, () => this.reader(), {
      eraser: deps.eraser ?? null,
      ...(deps.now ? { now: deps.now } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.retentionEveryMs !== undefined ? { everyMs: deps.retentionEveryMs } : {}),
    });
  }

  static start(deps: PrivacyDeps): PrivacyService {
    const service = new PrivacyService(deps);
    service.retention.start();
    if (!deps.eraser)
      deps.logger?.warn(
        { privacy: { eraser: 'none' } },
        'retention: no eraser is wired; the daily job runs dry runs only and erases nothing',
      );
    return service;
  }

  private async reader(): Promise<CompletionReader> {
    await this.deps.completion.catchUp();
    return this.deps.completion.reader();
  }

  private exportDeps() {
    return { log: this.deps.log, sources: this.deps.sources, completion: () => this.reader() };
  }

  /** Everything held about an official (404 when the registry does not know them). */
  async exportOfficial(principal: Principal, officialId: string): Promise<SubjectExport> {
    assertMayExport(principal, officialId);
    const official = (await this.reader()).official(officialId);
    if (!official)
      throw new NotFound({
        rule: 'privacy.subject.unknown',
        message: `the registry has no official ${officialId}`,
        pointer: '/path/officialId',
      });
    return exportSubject(this.exportDeps(), { official });
  }

  /**
   * Everything held about an xAPI Agent (administrators): the official the registry links it to,
   * else the identifier alone; 404 when the LRS holds nothing about it.
   */
  async exportAgent(principal: Principal, agent: Agent): Promise<SubjectExport> {
    assertMayExport(principal, null);
    const ifiKey = agentIfiKey(agent)!;
    const reader = await this.reader();
    const officialId = reader.officialOfIdentifier(ifiKey);
    const official = officialId ? reader.official(officialId) : undefined;
    const exported = await exportSubject(this.exportDeps(), official ? { official } : { ifiKey });
    if (!official && Object.values(exported.records).every((r) => r.length === 0))
      throw new NotFound({
        rule: 'privacy.subject.unknown',
        message: 'the LRS holds no statement or document about this agent',
        pointer: '/body/agent',
      });
    return exported;
  }

  /**
   * An official's data as a download for `query` (format, kind): the API route and the portal's
   * "Download my data" links both answer through this.
   */
  async downloadOfficial(
    principal: Principal,
    officialId: string,
    query: Record<string, unknown>,
  ): Promise<Download> {
    const { format, kind } = exportFormat(query);
    return this.download(await this.exportOfficial(principal, officialId), format, kind);
  }

  download(exported: SubjectExport, format: 'json' | 'csv', kind?: ExportKind): Download {
    const who = (exported.subject.officialId ?? 'agent').replace(/[^A-Za-z0-9._-]/g, '_');
    if (format === 'json')
      return {
        contentType: 'application/json; charset=utf-8',
        filename: `personal-data-${who}.json`,
        body: `${JSON.stringify(exported, null, 2)}\n`,
      };
    return {
      contentType: 'text/csv; charset=utf-8',
      filename: `personal-data-${who}-${kind}.csv`,
      body: exportCsv(exported, kind!),
    };
  }

  async stop(): Promise<void> {
    await this.retention.stop();
  }
}
