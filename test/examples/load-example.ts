// The examples' tests load a folder the way `pnpm demo-data --programme NAME` does: one loader,
// services/server/src/demo/load-example.ts, through the product's own import paths.
import { join } from 'node:path';
import { LrsClient } from '@lrs/config/cli';
import { examplesDir, type LoadStep, loadExample as load } from '@lrs/server/load-example';
import { ADMIN, type TestLrs } from '@lrs/server/testing';

export const examplePath = (name: string) => join(examplesDir, name);

/** Every request's answer, in order; throws on the first refusal, naming the file. */
export function loadExample(lrs: TestLrs, name: string): Promise<LoadStep[]> {
  return load(LrsClient.from({ url: lrs.url, key: ADMIN.key, secret: ADMIN.secret }, {}), examplePath(name));
}
