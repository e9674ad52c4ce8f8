import type { EventLog } from '@lrs/event-log';
import { BadRequest, Conflict, parseJson, readBody, UnsupportedMediaType } from '@lrs/http';
import type { KeyStore } from '@lrs/privacy';
import express from 'express';
import { assertAdmin } from './access';
import { parseReferenceFile, REFERENCE_KINDS, type ReferenceKind } from './import-rows';
import { type Policy, policyProblems } from './policy';
import { ReferenceConflict, ReferenceStore } from './reference-store';
import { unknownCategories } from './requirements';

export interface TrainingAdminOptions {
  maxBodyBytes?: number;
  /**
   * The catalog's categories as the log knows them now (read-your-writes). When given, a policy
   * whose requirements name a category nothing in the catalog can earn is refused, unless the
   * request says `?allowUnknownCategories=true`; then it is published with a warning.
   */
  catalogCategories?: () => Promise<ReadonlySet<string>>;
  /** The key store: officials' records and exemptions are sealed with it (decision 077). */
  keys?: KeyStore | null;
}

/**
 * Admin API for reference data (mounted under /api/admin/training): POST officials, org-units,
 * exemptions, catalog (text/csv or application/json), and policies (application/json).
 */
export function trainingAdminRouter(log: EventLog, options: TrainingAdminOptions = {}): express.Router {
  const store = new ReferenceStore(log, options.keys ?? null);
  const limit = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const router = express.Router();

  router.post('/policies', async (req, res) => {
    assertAdmin(req.principal);
    const text = (await readBody(req, { limit })).toString('utf8');
    if (formatOf(req.headers['content-type']) !== 'json')
      throw new UnsupportedMediaType({
        rule: 'training.policy.media-type',
        message: 'a policy is a JSON document',
      });
    // parseJson: syntax, depth (512) and number-range problems are 400s naming the place.
    const document: unknown = parseJson(text);
    const warnings: { category: string; pointer: string; message: string }[] = [];
    if (options.catalogCategories && policyProblems(document).length === 0) {
      const unknown = unknownCategories(document as Policy, await options.catalogCategories());
      const override = req.query.allowUnknownCategories === 'true';
      const first = unknown[0];
      if (first && !override)
        throw new BadRequest({
          rule: 'training.policy.category-unknown',
          message: `the requirement names category ${first.category}, which no catalog entry has: import the catalog first, fix the category, or publish with ?allowUnknownCategories=true`,
          pointer: `/body${first.pointer}`,
          details: { unknown: unknown.map((u) => ({ category: u.category, pointer: `/body${u.pointer}` })) },
        });
      for (const u of unknown)
        warnings.push({
          category: u.category,
          pointer: `/body${u.pointer}`,
          message: `no catalog entry is in category ${u.category}: this requirement cannot be met until one is`,
        });
    }
    const outcome = await store.publishPolicy(document, req.principal?.id ?? 'unknown');
    switch (outcome.outcome) {
      case 'invalid': {
        const first = outcome.problems[0]!;
        throw new BadRequest({
          rule: first.rule ?? 'training.policy.schema',
          message: first.rule
            ? `the policy ${first.message} (at ${first.pointer || '/'})`
            : `the policy does not match schemas/policy: ${first.pointer || '/'} ${first.message}`,
          pointer: `/body${first.pointer}`,
          details: {
            problems: outcome.problems.map((p) => ({ pointer: `/body${p.pointer}`, message: p.message })),
          },
        });
      }
      case 'conflict':
        throw new Conflict({
          rule: 'training.policy.immutable',
          message: `policy ${outcome.policyId} version ${outcome.version} is already published with other content; publish a new version`,
          pointer: '/body/version',
        });
      case 'unchanged':
        res.status(200).json(outcome);
        return;
      case 'published':
        res.status(201).json(warnings.length > 0 ? { ...outcome, warnings } : outcome);
    }
  });

  router.post('/:kind', async (req, res) => {
    assertAdmin(req.principal);
    const kind = req.params.kind as ReferenceKind;
    if (!REFERENCE_KINDS.includes(kind))
      throw new BadRequest({
        rule: 'training.import.kind',
        message: `unknown reference data ${req.params.kind}; one of ${REFERENCE_KINDS.join(', ')}, policies`,
        pointer: '/path/kind',
      });
    const format = formatOf(req.headers['content-type']);
    if (!format)
      throw new UnsupportedMediaType({
        rule: 'training.import.media-type',
        message: 'send text/csv or application/json',
      });
    const text = (await readBody(req, { limit })).toString('utf8');
    const parsed = parseReferenceFile(kind, text, format);
    if (parsed.problems.length > 0) {
      const first = parsed.problems[0]!;
      throw new BadRequest({
        rule: 'training.import.row',
        message: `${parsed.problems.length} problem(s); nothing from this file was applied. First: line ${first.line} ${first.field}: ${first.message}`,
        pointer: `/body/${first.line}${first.field ? `/${first.field}` : ''}`,
        details: { problems: parsed.problems },
      });
    }
    try {
      res.status(200).json(await store.importRecords(kind, parsed.records, req.principal?.id ?? 'unknown'));
    } catch (error) {
      if (error instanceof ReferenceConflict)
        throw new Conflict({
          rule: 'training.import.concurrent',
          message: 'a record changed during the import; retry',
        });
      throw error;
    }
  });
  return router;
}

function formatOf(contentType: string | undefined): 'csv' | 'json' | null {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return 'csv';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  return null;
}
