// Reference data of the training domain (TRAINING-DOMAIN.md): the officials registry, the org
// unit tree, exemptions and the course catalog. Each record is one stream whose latest event holds
// the whole record, so "what the system knew at T" is the log prefix up to T (ARCHITECTURE-BRIEF).
import type { LanguageMap } from '@lrs/xapi';
import { normalizeMbox } from '@lrs/xapi';
import type { Policy } from './policy';

export const OFFICIAL_RECORDED = 'training.official.recorded';
export const ORG_UNIT_RECORDED = 'training.org-unit.recorded';
export const EXEMPTION_RECORDED = 'training.exemption.recorded';
export const CATALOG_ENTRY_RECORDED = 'training.catalog-entry.recorded';
export const POLICY_PUBLISHED = 'training.policy.published';
/** Every reference-data event type starts with this prefix. */
export const TRAINING_EVENT_PREFIX = 'training.';

/** An xAPI identifier an official is known by: an account or an mbox (xAPI Data 2.4.2.1). */
export type OfficialIdentifier = { account: { homePage: string; name: string } } | { mbox: string };

export interface Official {
  officialId: string;
  name: string;
  orgUnit: string;
  /** ISO date the official's current org unit took effect. */
  orgUnitFrom: string | null;
  staffGroup: string;
  /**
   * ISO date the official's current staff group took effect (decision 057); absent in records
   * made before staff groups had dates, which read as null (since before the registry knew).
   */
  staffGroupFrom?: string | null;
  jurisdiction: string;
  employedFrom: string | null;
  employedTo: string | null;
  identifiers: OfficialIdentifier[];
  /**
   * Read from a sealed record only (decision 077): the official's pseudonym, and the pseudonym of
   * each identifier's subject in the order of `identifiers`. Never part of an import row.
   */
  subject?: string;
  identifierSubjects?: string[];
}

export interface OrgUnit {
  orgUnitId: string;
  name: string;
  /** Null for a root (a city). */
  parent: string | null;
}

export interface Exemption {
  exemptionId: string;
  officialId: string;
  /** ISO dates, both inclusive. */
  from: string;
  to: string;
  /** e.g. leave, secondment. */
  reason: string;
  /** Read from a sealed record only: the official's pseudonym (decision 077). */
  subject?: string;
}

export type Modality = 'face-to-face' | 'live-online' | 'self-paced';
export const MODALITIES: readonly Modality[] = ['face-to-face', 'live-online', 'self-paced'];

/**
 * How repeated statements on one activity combine (TRAINING-DOMAIN, Credit): a course or module
 * earns once per official × activity × registration; a session, a supervision meeting or an
 * internship log entry earns for each statement (the statement id is the de-duplication key), even
 * when an LMS sends them all against one activity without registrations.
 */
export type Repeats = 'once-per-registration' | 'each-statement';
export const REPEATS: readonly Repeats[] = ['once-per-registration', 'each-statement'];

export interface CatalogEntry {
  activityId: string;
  title: LanguageMap;
  /** `basic`, `job`, or a policy's own category IRI. */
  category: string;
  nominalHours: number | null;
  modality: Modality | null;
  provider: string | null;
  /** Absent: once per registration (courses and modules). */
  repeats?: Repeats;
}

/** Event data of a published policy: the document as validated, immutable once appended. */
export interface PolicyPublishedData {
  policy: Policy;
  publishedBy: string;
}

// Stream names keep ids readable; ids are restricted to [A-Za-z0-9._-] by the importers.
export const officialStream = (id: string) => `training-official-${id}`;
export const orgUnitStream = (id: string) => `training-orgunit-${id}`;
export const exemptionStream = (id: string) => `training-exemption-${id}`;
/** Activity ids are IRIs: the stream is keyed by their hex SHA-256 so any IRI fits a stream name. */
export const catalogStream = (activityHash: string) => `training-catalog-${activityHash}`;
export const policyStream = (id: string, version: number) => `training-policy-${id}-v${version}`;

/** The registry's key for an identifier; equals @lrs/xapi agentIfiKey of an actor with it. */
export function identifierKey(identifier: OfficialIdentifier): string {
  if ('mbox' in identifier) return `mbox:${normalizeMbox(identifier.mbox)}`;
  return `account:${identifier.account.homePage}|${identifier.account.name}`;
}

export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

// The payload of each reference-data event, declared once (@lrs/events, payloadOf / anEvent).
declare module '@lrs/events' {
  interface EventPayloads {
    [OFFICIAL_RECORDED]: Official;
    [ORG_UNIT_RECORDED]: OrgUnit;
    [EXEMPTION_RECORDED]: Exemption;
    [CATALOG_ENTRY_RECORDED]: CatalogEntry;
    [POLICY_PUBLISHED]: PolicyPublishedData;
  }
}
