import type { StatementBuilder } from '@lrs/testkit';
import { expect } from 'chai';
import { type ValidationIssue, validateStatement, type XapiVersion } from '../src/index';

export const BOTH: XapiVersion[] = ['1.0.3', '2.0.0'];

function describeIssues(issues: ValidationIssue[]): string {
  return JSON.stringify(
    issues.map((i) => `${i.pointer} ${i.rule}`),
    null,
    1,
  );
}

export function expectValid(statement: StatementBuilder | unknown, versions: XapiVersion[] = BOTH): void {
  const value = isBuilder(statement) ? statement.build() : statement;
  for (const version of versions) {
    const issues = validateStatement(value, version);
    expect(issues, `${version}: ${describeIssues(issues)}`).to.deep.equal([]);
  }
}

export function expectRejected(
  statement: StatementBuilder | unknown,
  pointer: string,
  rule: string,
  versions: XapiVersion[] = BOTH,
): ValidationIssue {
  const value = isBuilder(statement) ? statement.build() : statement;
  let found: ValidationIssue | undefined;
  for (const version of versions) {
    const issues = validateStatement(value, version);
    found = issues.find((i) => i.pointer === pointer && i.rule === rule);
    expect(found, `${version}: expected ${pointer} ${rule}, got ${describeIssues(issues)}`).to.not.equal(
      undefined,
    );
    expect(found!.message).to.match(/xAPI/);
  }
  return found!;
}

function isBuilder(value: unknown): value is StatementBuilder {
  return (
    typeof value === 'object' && value !== null && typeof (value as StatementBuilder).build === 'function'
  );
}
