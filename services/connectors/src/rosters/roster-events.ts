/** One import of a session's roster; the latest one is the session's current state. */
export const ROSTER_IMPORTED = 'connectors.roster.imported';
export const rosterStream = (sessionKey: string) => `connectors-roster-${sessionKey}`;

/**
 * Per attendee (key: its first statement id, base64url): [revision of the current statement id, digest
 * of its content], or [revision, '-'] when the attendee has no statement now (absent, removed).
 * Compact on purpose: a 10,000-row roster is one event well under the 1 MiB append limit.
 */
export type RosterEntries = Record<string, [number, string]>;

export interface RosterImportedData {
  session: string;
  registration: string;
  activityId: string;
  offeringId: string;
  rows: number;
  attended: number;
  absent: number;
  written: number;
  voided: number;
  unchanged: number;
  importedBy: string;
  entries: RosterEntries;
}

declare module '@lrs/events' {
  interface EventPayloads {
    [ROSTER_IMPORTED]: RosterImportedData;
  }
}
