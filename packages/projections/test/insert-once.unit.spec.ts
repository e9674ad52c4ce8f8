import Database from 'better-sqlite3';
import { expect } from 'chai';
import { InsertOnce } from '../src/index';

/**
 * The subject_ifi row a read model writes per sealed statement (decision 083): skipped only
 * when known committed, so an erasure always finds every identifier of a person.
 */
describe('InsertOnce: a per-statement row written once it is known committed', () => {
  const setUp = () => {
    const db = new Database(':memory:');
    db.exec(
      'CREATE TABLE subject_ifi (pseudonym TEXT NOT NULL, ifi TEXT NOT NULL, PRIMARY KEY (pseudonym, ifi)) WITHOUT ROWID',
    );
    const rows = new InsertOnce(db, 'subject_ifi', ['pseudonym', 'ifi']);
    const all = () => db.prepare('SELECT pseudonym, ifi FROM subject_ifi ORDER BY 1, 2').raw().all();
    // A batch as the projection runtime applies it: one transaction, rows noted first.
    const batch = (work: () => void, fail = false) => {
      try {
        db.transaction(() => {
          rows.batch();
          work();
          if (fail) throw new Error('the batch failed (a full disk)');
        })();
      } catch (error) {
        if (!fail) throw error;
      }
    };
    return { db, rows, all, batch };
  };

  it('holds a person met in many statements once, and skips the insert once it is committed', () => {
    const { db, rows, all, batch } = setUp();
    let writes = 0;
    db.function('count_write', () => writes++);
    db.exec('CREATE TRIGGER w BEFORE INSERT ON subject_ifi BEGIN SELECT count_write(); END');
    batch(() => {
      rows.run('p-1', 'mbox:mailto:kim@example.kr');
      rows.run('p-1', 'mbox:mailto:kim@example.kr');
    });
    batch(() => rows.run('p-1', 'mbox:mailto:kim@example.kr'));
    const before = writes;
    batch(() => rows.run('p-1', 'mbox:mailto:kim@example.kr'));
    expect(all()).to.deep.equal([['p-1', 'mbox:mailto:kim@example.kr']]);
    expect(writes, 'no insert once the row is known committed').to.equal(before);
  });

  it('writes a row again after the batch that added it was rolled back', () => {
    const { rows, all, batch } = setUp();
    batch(() => rows.run('p-1', 'mbox:mailto:kim@example.kr'), true);
    batch(() => rows.run('p-1', 'mbox:mailto:kim@example.kr'));
    expect(all()).to.deep.equal([['p-1', 'mbox:mailto:kim@example.kr']]);
  });

  it('does not take a row met twice in a rolled-back batch for a committed one', () => {
    const { rows, all, batch } = setUp();
    batch(() => {
      rows.run('p-2', 'account:https://lms.example.kr|official-000002');
      rows.run('p-2', 'account:https://lms.example.kr|official-000002');
    }, true);
    batch(() => rows.run('p-2', 'account:https://lms.example.kr|official-000002'));
    batch(() => rows.run('p-2', 'account:https://lms.example.kr|official-000002'));
    expect(all()).to.deep.equal([['p-2', 'account:https://lms.example.kr|official-000002']]);
  });

  it('writes the row of a person seen again after an erasure deleted it', () => {
    const { db, rows, all, batch } = setUp();
    batch(() => rows.run('p-3', 'mbox:mailto:lee@example.kr'));
    batch(() => rows.run('p-3', 'mbox:mailto:lee@example.kr'));
    // The erasure deletes the person's rows in the same batch as a later statement names them.
    batch(() => {
      rows.run('p-3', 'mbox:mailto:lee@example.kr');
      db.prepare('DELETE FROM subject_ifi WHERE pseudonym = ?').run('p-3');
      rows.forget();
    });
    batch(() => rows.run('p-3', 'mbox:mailto:lee@example.kr'));
    expect(all()).to.deep.equal([['p-3', 'mbox:mailto:lee@example.kr']]);
  });

  it('does not keep a row the erasure deleted in its batch as known', () => {
    const { db, rows, all, batch } = setUp();
    batch(() => {
      rows.run('p-4', 'mbox:mailto:park@example.kr');
      rows.run('p-5', 'mbox:mailto:choi@example.kr');
      db.prepare('DELETE FROM subject_ifi WHERE pseudonym = ?').run('p-4');
      rows.forget();
    });
    batch(() => rows.run('p-4', 'mbox:mailto:park@example.kr'));
    expect(all()).to.deep.equal([
      ['p-4', 'mbox:mailto:park@example.kr'],
      ['p-5', 'mbox:mailto:choi@example.kr'],
    ]);
  });
});
