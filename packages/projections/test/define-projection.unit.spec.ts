import { expect } from 'chai';
import { defineProjection, InvalidProjectionError } from '../src/index';

describe('defineProjection: embedding another read model', () => {
  const inner = defineProjection({
    name: 'inner',
    version: 1,
    migrations: ['CREATE TABLE a (k TEXT PRIMARY KEY)'],
    tables: [{ name: 'a', key: ['k'] }],
    filter: { typePrefixes: ['x.'] },
    apply: () => {},
  });
  const outer = (over: { migrations?: string[]; keys?: string[]; prefixes?: string[] }) =>
    defineProjection({
      name: 'outer',
      version: 1,
      migrations: over.migrations ?? ['CREATE TABLE a (k TEXT PRIMARY KEY)', 'CREATE TABLE b (k TEXT)'],
      tables: [
        { name: 'a', key: over.keys ?? ['k'] },
        { name: 'b', key: ['k'] },
      ],
      filter: { typePrefixes: over.prefixes ?? ['x.'] },
      embeds: [inner],
      apply: () => {},
    });

  it('accepts a model whose SQL, tables and filter contain the inner one', () => {
    expect(outer({}).embeds).to.deep.equal([inner]);
  });

  it('refuses other SQL, another key or another filter, naming the reason', () => {
    expect(() => outer({ migrations: ['CREATE TABLE b (k TEXT)', 'CREATE TABLE a (k TEXT PRIMARY KEY)'] }))
      .to.throw(InvalidProjectionError)
      .with.property('message')
      .that.includes('migrations are not a prefix');
    expect(() => outer({ keys: ['other'] })).to.throw(InvalidProjectionError, /table 'a'/);
    expect(() => outer({ prefixes: ['y.'] })).to.throw(InvalidProjectionError, /filters differ/);
  });
});
