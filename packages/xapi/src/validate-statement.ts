import { childPointer } from './pointer';
import { schemaIssues } from './schema-issues';
import { statementSchemaValidator } from './schemas';
import { statementRuleIssues } from './statement-rules';
import type { ValidationIssue, XapiVersion } from './types';

/**
 * Every reason the LRS must reject this Statement under the given xAPI version; empty when it is valid.
 * Schema (structure, types, formats) first, then the rules across properties.
 */
export function validateStatement(statement: unknown, version: XapiVersion): ValidationIssue[] {
  return validateAt(statement, version, '');
}

function validateAt(statement: unknown, version: XapiVersion, prefix: string): ValidationIssue[] {
  const validate = statementSchemaValidator(version);
  const valid = validate(statement);
  const issues = valid ? [] : schemaIssues(validate.errors, prefix);
  const ruleIssues = statementRuleIssues(statement, version, prefix);
  if (ruleIssues.length === 0) return issues;
  const taken = new Set(issues.map((i) => i.pointer));
  for (const issue of ruleIssues) if (!taken.has(issue.pointer)) issues.push(issue);
  return issues;
}

/**
 * Validates a batch; pointers start with the statement's index. A batch with two Statements sharing an id
 * is rejected as a whole (xAPI Communication 2.1.2: SHOULD* reject the batch with 400).
 */
export function validateStatementBatch(statements: unknown[], version: XapiVersion): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const firstIndexById = new Map<string, number>();
  statements.forEach((statement, index) => {
    issues.push(...validateAt(statement, version, `/${index}`));
    if (typeof statement !== 'object' || statement === null) return;
    const id = (statement as { id?: unknown }).id;
    if (typeof id !== 'string') return;
    const key = id.toLowerCase();
    const first = firstIndexById.get(key);
    if (first === undefined) {
      firstIndexById.set(key, index);
      return;
    }
    issues.push({
      pointer: childPointer(`/${index}`, 'id'),
      rule: 'batch.duplicate-id',
      message: `Statement id ${id} is also used by the Statement at index ${first}; a batch must not repeat an id (xAPI Communication 2.1.2).`,
    });
  });
  return issues;
}
