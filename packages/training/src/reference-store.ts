import { createHash } from 'node:crypto';
import type { AppendRequest, EventLog, JsonValue, RecordedEvent } from '@lrs/event-log';
import { anEvent, payloadOf } from '@lrs/events';
import canonicalize from 'canonicalize';
import type { ReferenceKind, ReferenceRecord } from './import-rows';
import { type Policy, type PolicyProblem, policyProblems } from './policy';
import {
  CATALOG_ENTRY_RECORDED,
  type CatalogEntry,
  catalogStream,
  EXEMPTION_RECORDED,
  type Exemption,
  exemptionStream,
  OFFICIAL_RECORDED,
  type Official,
  ORG_UNIT_RECORDED,
  type OrgUnit,
  officialStream,
  orgUnitStream,
  POLICY_PUBLISHED,
  type PolicyPublishedData,
  policyStream,
} from './reference-data';

export interface ImportOutcome {
  kind: ReferenceKind;
  received: number;
  /** Records appended because they are new or differ from what the log holds. */
  changed: number;
  unchanged: number;
}

export type PublishOutcome =
  | { outcome: 'published'; policyId: string; version: number }
  | { outcome: 'unchanged'; policyId: string; version: number }
  | { outcome: 'conflict'; policyId: string; version: number }
  | { outcome: 'invalid'; problems: PolicyProblem[] };

/** A concurrent writer changed a record between our read and our append: retry the import. */
export class ReferenceConflict extends Error {
  override name = 'ReferenceConflict';
}

export const activityHash = (activityId: string) => createHash('sha256').update(activityId).digest('hex');

function target(kind: ReferenceKind, record: ReferenceRecord): { stream: string; type: string } {
  switch (kind) {
    case 'officials':
      return { stream: officialStream((record as Official).officialId), type: OFFICIAL_RECORDED };
    case 'org-units':
      return { stream: orgUnitStream((record as OrgUnit).orgUnitId), type: ORG_UNIT_RECORDED };
    case 'exemptions':
      return { stream: exemptionStream((record as Exemption).exemptionId), type: EXEMPTION_RECORDED };
    case 'catalog':
      return {
        stream: catalogStream(activityHash((record as CatalogEntry).activityId)),
        type: CATALOG_ENTRY_RECORDED,
      };
  }
}

/** Writes reference data to the log: idempotent imports and immutable policy publication. */
export class ReferenceStore {
  constructor(private readonly log: EventLog) {}

  /**
   * Appends only the records that differ from the latest event of their stream, so importing
   * the same file twice changes nothing. On SQLite the whole file is one transaction.
   */
  async importRecords(
    kind: ReferenceKind,
    records: readonly ReferenceRecord[],
    author: string,
  ): Promise<ImportOutcome> {
    const requests: AppendRequest[] = [];
    for (const record of records) {
      const { stream, type } = target(kind, record);
      const current = await this.latest(stream);
      if (current && canonicalize(current.data) === canonicalize(record)) continue;
      requests.push({
        stream,
        expectedRevision: current ? current.revision : 'no_stream',
        events: [{ type, data: record as unknown as JsonValue, metadata: { author } }],
      });
    }
    const outcomes = requests.length > 0 ? await this.log.appendMany(requests) : [];
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw new ReferenceConflict(failed.error.message);
    return {
      kind,
      received: records.length,
      changed: requests.length,
      unchanged: records.length - requests.length,
    };
  }

  /**
   * Publishes a policy version. Published versions are immutable: the same document again is a
   * no-op, a different document under the same version is a conflict.
   */
  async publishPolicy(document: unknown, author: string): Promise<PublishOutcome> {
    const problems = policyProblems(document);
    if (problems.length > 0) return { outcome: 'invalid', problems };
    const policy = document as Policy;
    const stream = policyStream(policy.policyId, policy.version);
    const current = await this.latest(stream);
    const ids = { policyId: policy.policyId, version: policy.version };
    if (current) {
      const published = payloadOf(current, POLICY_PUBLISHED).policy;
      return canonicalize(published) === canonicalize(policy)
        ? { outcome: 'unchanged', ...ids }
        : { outcome: 'conflict', ...ids };
    }
    const data: PolicyPublishedData = { policy, publishedBy: author };
    const [result] = await this.log.appendMany([
      {
        stream,
        expectedRevision: 'no_stream',
        events: [anEvent(POLICY_PUBLISHED, data)],
      },
    ]);
    if (result && !result.ok) return { outcome: 'conflict', ...ids };
    return { outcome: 'published', ...ids };
  }

  private async latest(stream: string): Promise<RecordedEvent | null> {
    const revision = await this.log.streamRevision(stream);
    if (revision === null) return null;
    const [event] = await this.log.readStream(stream, { fromRevision: revision, maxCount: 1 });
    return event ?? null;
  }
}
