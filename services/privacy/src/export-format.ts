import { BadRequest } from '@lrs/http';
import { EXPORT_KINDS, type ExportKind } from './export';

/** `format` (json, the default, or csv) and, for csv, `kind`: one CSV file per kind of record. */
export function exportFormat(query: Record<string, unknown>): { format: 'json' | 'csv'; kind?: ExportKind } {
  for (const name of Object.keys(query))
    if (name !== 'format' && name !== 'kind')
      throw new BadRequest({
        rule: 'privacy.query.parameter',
        message: `unknown parameter ${name}; the parameters are format and kind`,
        pointer: `/query/${name}`,
      });
  const format = query.format ?? 'json';
  if (format !== 'json' && format !== 'csv')
    throw new BadRequest({
      rule: 'privacy.query.format',
      message: 'format must be json or csv',
      pointer: '/query/format',
    });
  if (format === 'json') {
    if (query.kind !== undefined)
      throw new BadRequest({
        rule: 'privacy.query.kind',
        message: 'kind is for format=csv (the JSON export holds every kind)',
        pointer: '/query/kind',
      });
    return { format };
  }
  if (typeof query.kind !== 'string' || !(EXPORT_KINDS as readonly string[]).includes(query.kind))
    throw new BadRequest({
      rule: 'privacy.query.kind',
      message: `a CSV export is one kind of record: kind must be one of ${EXPORT_KINDS.join(', ')}`,
      pointer: '/query/kind',
    });
  return { format, kind: query.kind as ExportKind };
}
