import { csvCell, csvRow } from '@lrs/http';
import { type CompletionReport, reportCsv } from '@lrs/training';
import { expect } from 'chai';
import { Translator } from '../../services/portal/src/i18n';
import { dashboardCsv } from '../../services/portal/src/pages/dashboard';

const HOSTILE = ['=HYPERLINK("https://evil.example","x")', '+1+1', '-2+3', '@SUM(A1:A2)', '\tcmd', '\rcmd'];

const report = (orgUnit: string): CompletionReport => ({
  policyId: 'ethics',
  version: 1,
  period: '2025',
  periodStart: '2025-01-01',
  periodEnd: '2025-12-31',
  overdueAfter: '2026-01-31',
  lastDay: '2025-12-31',
  dueDate: '2025-12-31',
  orgUnit: null,
  jurisdiction: null,
  asOf: '2025-06-01T00:00:00.000Z',
  position: null,
  population: 1,
  totals: { population: 1 } as unknown as CompletionReport['totals'],
  hoursByCategory: { ethics: 1 },
  byOrgUnit: {},
  byStaffGroup: {},
  rows: [
    {
      officialId: 'O-1',
      orgUnit,
      staffGroup: 'clerks',
      status: 'completed',
      earnedHours: 1,
      hours: { ethics: 1 },
    },
  ],
});

/** Cells of a CSV line, unquoted (RFC 4180). */
const cells = (line: string) =>
  [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)]
    .map((m) => m[1]!)
    .slice(0, -1)
    .map((c) => (c.startsWith('"') ? c.slice(1, -1).replaceAll('""', '"') : c));

describe('CSV files never carry a spreadsheet formula', () => {
  it('the CSV writer neutralises cells beginning with =, +, -, @, tab or carriage return, and quotes per RFC 4180', () => {
    for (const value of HOSTILE) expect(csvCell(value).replace(/^"/, '')).to.match(/^'/);
    expect(csvCell('Department of Finance')).to.equal('Department of Finance');
    expect(csvCell('a,"b"')).to.equal('"a,""b"""');
    expect(csvRow(['x', 2, null])).to.equal('x,2,\r\n');
  });

  it('the dashboard CSV shows an org-unit named like a formula as text', () => {
    for (const name of HOSTILE) {
      const csv = dashboardCsv(
        report('u1'),
        [{ kind: 'org-unit', id: 'u1', name, population: 1, completed: 1, overdue: 0, exempt: 0, rate: 1 }],
        new Translator('en', 'UTC'),
      );
      // The "as of" line, the header, then the row.
      const row = cells(csv.split('\r\n')[2]!);
      expect(row[1]).to.equal(`'${name}`);
    }
  });

  it('the completion report CSV shows an org unit named like a formula as text', () => {
    for (const name of HOSTILE) {
      const csv = [...reportCsv(report(name))].join('');
      const row = cells(csv.split('\r\n')[1]!);
      expect(row[1]).to.equal(`'${name}`);
    }
  });
});
