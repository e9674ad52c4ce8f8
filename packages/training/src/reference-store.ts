import { createHash } from 'node:crypto';
import type { AppendRequest, EventLog, JsonObject, RecordedEvent } from '@lrs/event-log';
import { anEvent, type KnownEventType, payloadOf } from '@lrs/events';
import type { KeyStore } from '@lrs/privacy';
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
import { REGISTRY_SEALERS, sealedStreamOf, withoutPseudonyms } from './sealed-records';

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

/** A reference record as every reader reads it (payloadOf opens a sealed one). */
const readRecord = (event: RecordedEvent, type: string): JsonObject =>
  payloadOf(event, type as KnownEventType) as unknown as JsonObject;

/** Writes reference data to the log: idempotent imports and immutable policy publication. */
export class ReferenceStore {
  /**
   * With `keys`, officials' records and exemptions are sealed under the official's key before they
   * are appended (decision 077); without, they are written in the clear (tools and tests of the
   * training domain alone).
   */
  constructor(
    private readonly log: EventLog,
    private readonly keys: KeyStore | null = null,
  ) {}

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
    const keys = this.keys;
    for (const record of records) {
      const plain = target(kind, record);
      const { type } = plain;
      const data = record as unknown as JsonObject;
      // A sealed official lives under their pseudonym's stream, found through the key store; an
      // older (plaintext) record under their id.
      const located = keys ? sealedStreamOf(type, data, keys) : null;
      const current = (located ? await this.latest(located) : null) ?? (await this.latest(plain.stream));
      if (current && canonicalize(withoutPseudonyms(readRecord(current, type))) === canonicalize(record))
        continue;
      const sealer = keys ? REGISTRY_SEALERS.get(type) : undefined;
      const sealed = sealer && keys ? sealer({ stream: plain.stream, type, data }, keys) : null;
      const stream = sealed?.stream ?? plain.stream;
      const revision = current?.stream === stream ? current.revision : await this.log.streamRevision(stream);
      requests.push({
        stream,
        expectedRevision: revision ?? 'no_stream',
        events: [{ type, data: sealed?.data ?? data, metadata: { author } }],
      });
    }
    // The subjects the sealers created are durable before any event sealed with them is appended.
    if (keys && requests.length > 0) await keys.durable();
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
