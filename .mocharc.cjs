// TypeScript is loaded through tsx. The spec globs are in package.json (test:all), so
// `pnpm exec mocha <file>` runs just that file.
module.exports = {
  'node-option': ['import=tsx'],
  timeout: 20000,
  exit: true,
  reporter: process.env.CI ? 'dot' : 'spec',
};
