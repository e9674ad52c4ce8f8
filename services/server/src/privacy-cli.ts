#!/usr/bin/env -S node --import tsx
/**
 * `pnpm privacy` with every event type the migration seals (decision 080): the privacy service's
 * command line, given the sealers and openers of the document events (@lrs/service-lrs, decision
 * 079) and of the registry's records (@lrs/training, decision 077), which that service cannot
 * import itself (decision 025).
 */
import { runWhenMain } from '@lrs/config/cli';
import type { PlaintextEventOpener, PlaintextEventSealer } from '@lrs/privacy';
import { SNAPSHOT_RECORDED, snapshotOpener, snapshotSealer } from '@lrs/service-audit';
import {
  DOCUMENT_DELETED,
  DOCUMENT_MERGED,
  DOCUMENT_WRITTEN,
  documentEventOpener,
  documentEventSealer,
} from '@lrs/service-lrs';
import { type MigrationTypes, runCli } from '@lrs/service-privacy';
import { REGISTRY_OPENERS, REGISTRY_SEALERS } from '@lrs/training';

const DOCUMENT_EVENT_TYPES = [DOCUMENT_WRITTEN, DOCUMENT_MERGED, DOCUMENT_DELETED];

/** The sealers and openers the composition root adds to @lrs/privacy's PLAINTEXT_SEALERS/OPENERS. */
export const MIGRATION_TYPES: MigrationTypes = {
  sealers: new Map<string, PlaintextEventSealer>([
    ...DOCUMENT_EVENT_TYPES.map((t) => [t, documentEventSealer] as const),
    ...REGISTRY_SEALERS,
    // Report snapshots recorded before decision 078: rows by pseudonym, no taker's name.
    [SNAPSHOT_RECORDED, snapshotSealer],
  ]),
  openers: new Map<string, PlaintextEventOpener>([
    ...DOCUMENT_EVENT_TYPES.map((t) => [t, documentEventOpener] as const),
    ...REGISTRY_OPENERS,
    [SNAPSHOT_RECORDED, snapshotOpener],
  ]),
};

runWhenMain(import.meta.url, (argv) => runCli(argv, process.env, undefined, MIGRATION_TYPES));
