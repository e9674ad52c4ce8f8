import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Principal } from '@lrs/auth';
import type { EventLog } from '@lrs/event-log';
import { Position } from '@lrs/event-log';
import { BadRequest } from '@lrs/http';
import { openReadOnly } from '@lrs/projections';
import {
  CompletionReader,
  type CompletionReport,
  completionProjection,
  completionReport,
  type Policy,
} from '@lrs/training';
import type Database from 'better-sqlite3';
import type { CutOff } from './cut-off';
import { type ReplayManifest, replayToCutOff, scratchFile } from './replay';

/** The completion read model as the log knew it at a cut-off, rebuilt into a scratch file. */
export interface ModelAt {
  cutOff: CutOff;
  manifest: ReplayManifest;
  reader: CompletionReader;
  policyVersions(policyId: string): Policy[];
}

/**
 * Replays completion up to the cut-off into a temporary folder under `scratchRoot`, hands the
 * model to `use`, then deletes it: the live read models are never touched.
 */
export async function withModelAt<T>(
  log: EventLog,
  cutOff: CutOff,
  scratchRoot: string,
  use: (model: ModelAt) => T | Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  const dir = mkdtempSync(join(scratchRoot, 'model-'));
  try {
    const manifest = await replayToCutOff(log, cutOff, dir, {
      projections: [completionProjection],
      ...(signal ? { signal } : {}),
    });
    return await useModelIn(dir, cutOff, manifest, use);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The completion model a replay left in `dir`, opened read-only for `use` and closed after. */
export async function useModelIn<T>(
  dir: string,
  cutOff: CutOff,
  manifest: ReplayManifest,
  use: (model: ModelAt) => T | Promise<T>,
): Promise<T> {
  const db = openReadOnly(scratchFile(dir, completionProjection)) as Database.Database;
  try {
    const reader = new CompletionReader(db);
    const policies = reader.policies();
    return await use({
      cutOff,
      manifest,
      reader,
      policyVersions: (id) => policies.filter((p) => p.policyId === id),
    });
  } finally {
    db.close();
  }
}

export interface ReportQuery {
  policyId: string;
  period: string;
  orgUnit: string | null;
  jurisdiction: string | null;
}

/**
 * The completion report as it stood at the model's cut-off: the policy versions, registry and
 * catalog of that moment, and statuses judged at the cut-off instant (not today).
 */
export function reportAt(model: ModelAt, query: ReportQuery, principal: Principal): CompletionReport {
  const versions = model.policyVersions(query.policyId);
  if (versions.length === 0)
    throw new BadRequest({
      rule: 'audit.policy.unknown',
      message: `policy ${query.policyId} was not published as of ${model.cutOff.asOf} (position ${model.cutOff.position})`,
      pointer: '/query/policy',
    });
  const completion = model.manifest.projections.find((p) => p.name === completionProjection.name);
  const position = completion?.position ? Position.parse(completion.position) : null;
  return completionReport(
    { reader: () => model.reader, running: { position: () => position } },
    principal,
    versions,
    query.period,
    query.orgUnit,
    { now: Date.parse(model.cutOff.asOf), jurisdiction: query.jurisdiction },
  );
}
