// Who may change reference data, define duties or list unmatched statements: administrators only,
// and the refusal says what was refused and what it needs.
import { tokenPrincipal } from '@lrs/auth';
import { assertAdmin } from '@lrs/training';
import { expect } from 'chai';

const officer = tokenPrincipal(
  { sub: 'u-1', role: 'policy-unit', jurisdiction: 'city' },
  'https://lrs.example',
);
const admin = tokenPrincipal({ sub: 'u-2', role: 'admin' }, 'https://lrs.example');

describe('administrator-only actions (assertAdmin)', () => {
  it('lets an administrator through', () => {
    expect(() => assertAdmin(admin)).to.not.throw();
  });
  it('refuses anyone else with a 403 that names the action and the role it needs', () => {
    for (const [what, expected] of [
      [undefined, /reference data are changed by administrators only \(this needs the admin role or scope\)/],
      ['reporting duties are defined by administrators only', /^reporting duties are defined/],
    ] as const) {
      const error = (() => {
        try {
          assertAdmin(officer, what);
        } catch (e) {
          return e as { status: number; rule: string; message: string };
        }
        return null;
      })();
      expect(error?.status).to.equal(403);
      expect(error?.rule).to.equal('auth.scope');
      expect(error?.message).to.match(expected);
    }
    expect(() => assertAdmin(undefined)).to.throw(/administrators only/);
  });
});
