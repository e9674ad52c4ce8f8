import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * Runs erase-child.ts on `dataDir` for `subject` (an agent, or an officialId), waits until it has
 * recorded the erasure event, then SIGKILLs it before the keys are destroyed or any read model
 * purged. Resolves with the erasure's first pseudonym once the child is gone.
 */
export async function killAfterErasureRecorded(
  dataDir: string,
  subject: { agent: Record<string, unknown> } | { officialId: string },
): Promise<string> {
  const arg = 'agent' in subject ? JSON.stringify(subject.agent) : subject.officialId;
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'erase-child.ts'), dataDir, arg], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pseudonym = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /recorded (\S+)/.exec(chunk.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`child exited ${code} before recording`)));
  });
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
  return pseudonym;
}
