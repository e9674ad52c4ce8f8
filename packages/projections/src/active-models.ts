import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProjectionError } from './errors';

/** Which read model file serves each projection, and which one is being built to replace it. */
export interface ActiveModel {
  version: number;
  /** File name inside `<dataDir>/projections`. */
  file: string;
  building?: { version: number; file: string };
}

export type ActiveModels = Record<string, ActiveModel>;

/**
 * `<dataDir>/projections/active.json`, replaced atomically (write, fsync, rename) so a
 * crash during a switch leaves either the old or the new choice, never a torn file.
 */
export class ActiveModelsFile {
  readonly dir: string;
  readonly path: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'projections');
    this.path = join(this.dir, 'active.json');
  }

  read(): ActiveModels {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ProjectionError(`${this.path} is not a JSON object`);
    }
    return parsed as ActiveModels;
  }

  write(models: ActiveModels): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(models, null, 2)}\n`);
    const fd = openSync(tmp, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dirFd = openSync(this.dir, 'r');
    try {
      fsyncSync(dirFd);
    } finally {
      closeSync(dirFd);
    }
  }
}
