import { childPointer } from './pointer';
import type { ErrorObject } from './schemas';
import { clauseFor } from './spec-clauses';
import type { ValidationIssue } from './types';

const FORMAT_TEXT: Record<string, string> = {
  iri: 'an absolute IRI with a scheme (xAPI Data 2.2, 4.3)',
  irl: 'an absolute IRL with a scheme (xAPI Data 2.2, 4.3)',
  uuid: 'a UUID in standard string form, 8-4-4-4-12 hex digits (xAPI Data 4.4)',
  timestamp: 'an ISO 8601 date and time that exists, e.g. 2024-03-01T09:30:00.000Z (xAPI Data 4.5)',
  'timestamp-rfc3339':
    'an ISO 8601 or RFC 3339 date and time that exists, e.g. 2024-03-01T09:30:00.000Z (xAPI Data 4.5; xAPI 2.0)',
  duration: 'an ISO 8601 duration such as PT1H30M, P1D or P4W (xAPI Data 4.6)',
  'language-tag': 'a well-formed RFC 5646 language tag (xAPI Data 2.2, 4.2)',
  'mailto-iri': "a mailto IRI of the form 'mailto:name@example.org' (xAPI Data 2.4.2.3)",
};

// Keyword errors that only explain why a branch was taken; the branch's own errors say what is wrong.
const SKIPPED = new Set(['if', 'propertyNames', 'anyOf', 'oneOf']);

interface AnnotatedSchema {
  'x-rule'?: string;
  'x-message'?: string;
}

function annotation(error: ErrorObject): AnnotatedSchema {
  const parent = error.parentSchema as AnnotatedSchema | undefined;
  if (parent && typeof parent === 'object' && parent['x-rule']) return parent;
  return {};
}

function issueFor(error: ErrorObject, prefix: string): ValidationIssue | null {
  if (SKIPPED.has(error.keyword)) return null;
  let pointer = prefix + error.instancePath;
  const { 'x-rule': xRule, 'x-message': xMessage } = annotation(error);
  const params = error.params as Record<string, unknown>;
  const propertyName = (error as { propertyName?: string }).propertyName;
  if (propertyName !== undefined) pointer = childPointer(pointer, propertyName);
  if (xRule) return { pointer, rule: xRule, message: xMessage ?? `Invalid value (${clauseFor(pointer)}).` };

  switch (error.keyword) {
    case 'required': {
      const missing = String(params['missingProperty']);
      const at = childPointer(pointer, missing);
      return {
        pointer: at,
        rule: 'schema.missing-property',
        message: `'${missing}' is required (${clauseFor(at)}).`,
      };
    }
    case 'additionalProperties': {
      const extra = String(params['additionalProperty']);
      const at = childPointer(pointer, extra);
      return {
        pointer: at,
        rule: 'schema.unknown-property',
        message: `'${extra}' is not a property the spec allows here (xAPI Data 2.2: a key not allowed by the specification is rejected; ${clauseFor(pointer)}).`,
      };
    }
    case 'type':
      if (error.data === null) {
        return {
          pointer,
          rule: 'schema.null-value',
          message: 'null values are not allowed outside extensions (xAPI Data 2.2).',
        };
      }
      return {
        pointer,
        rule: 'schema.wrong-type',
        message: `must be of type ${String(params['type'])} (xAPI Data 2.2: wrong data type; ${clauseFor(pointer)}).`,
      };
    case 'const':
      return {
        pointer,
        rule: 'schema.invalid-value',
        message: `must be exactly '${String(params['allowedValue'])}', case included (xAPI Data 2.2; ${clauseFor(pointer)}).`,
      };
    case 'enum':
      return {
        pointer,
        rule: 'schema.invalid-value',
        message: `must be one of ${(params['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`).join(', ')}, case included (xAPI Data 2.2; ${clauseFor(pointer)}).`,
      };
    case 'format': {
      const format = String(params['format']);
      // One rule name per kind of value, whichever version's variant of the format failed.
      const ruleName = format === 'timestamp-rfc3339' ? 'timestamp' : format;
      const what = propertyName !== undefined ? 'key' : 'value';
      return {
        pointer,
        rule: `format.${ruleName}`,
        message: `${what} must be ${FORMAT_TEXT[format] ?? format}.`,
      };
    }
    case 'minimum':
    case 'maximum':
      return {
        pointer,
        rule: 'schema.out-of-range',
        message: `must be ${error.keyword === 'minimum' ? '>=' : '<='} ${String(params['limit'])} (${clauseFor(pointer)}).`,
      };
    case 'minItems':
      return {
        pointer,
        rule: 'schema.empty-array',
        message: `must not be an empty array (${clauseFor(pointer)}).`,
      };
    default:
      return {
        pointer,
        rule: `schema.${error.keyword}`,
        message: `${error.message ?? 'is invalid'} (${clauseFor(pointer)}).`,
      };
  }
}

/** Turns Ajv errors into issues, one per pointer: the annotated (x-rule) error wins, then the first. */
export function schemaIssues(
  errors: readonly ErrorObject[] | null | undefined,
  prefix = '',
): ValidationIssue[] {
  if (!errors) return [];
  const byPointer = new Map<string, { issue: ValidationIssue; annotated: boolean }>();
  for (const error of errors) {
    const issue = issueFor(error, prefix);
    if (!issue) continue;
    const annotated = annotation(error)['x-rule'] !== undefined;
    const existing = byPointer.get(issue.pointer);
    if (!existing || (annotated && !existing.annotated)) byPointer.set(issue.pointer, { issue, annotated });
  }
  return [...byPointer.values()].map((v) => v.issue);
}
