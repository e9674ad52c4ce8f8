import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every file under `dataDir` whose raw bytes contain `needle` (UTF-8): what a person could grep. */
export function filesContaining(dataDir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .filter((file) => readFileSync(file).includes(bytes));
}
