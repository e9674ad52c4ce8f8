import { createReadStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';

/**
 * The raw bytes of one attachment part. Small parts stay in memory; a part that grows past
 * the spill threshold is written to a temporary file so a request never holds more than
 * that threshold of attachment data in memory per part.
 */
export type PartBytes = Buffer | FileBackedBytes;

export class FileBackedBytes {
  constructor(
    readonly path: string,
    readonly length: number,
    private readonly removeDir: () => Promise<void>,
  ) {}

  /** A fresh stream over the bytes; can be called any number of times until dispose(). */
  stream(options?: { highWaterMark?: number }): Readable {
    return createReadStream(this.path, { highWaterMark: options?.highWaterMark ?? 256 * 1024 });
  }

  read(): Promise<Buffer> {
    return readFile(this.path);
  }

  dispose(): Promise<void> {
    return this.removeDir();
  }
}

/** A stream over any PartBytes. */
export function streamPartBytes(bytes: PartBytes): Readable {
  return Buffer.isBuffer(bytes) ? Readable.from([bytes]) : bytes.stream();
}

export async function readPartBytes(bytes: PartBytes): Promise<Buffer> {
  return Buffer.isBuffer(bytes) ? bytes : bytes.read();
}

/**
 * Collects one part's bytes: in memory up to `spillThreshold`, then in a temp file under
 * `tempDir` (default os.tmpdir()).
 */
export class PartSink {
  private chunks: Buffer[] = [];
  private file: { handle: FileHandle; path: string; dir: string } | null = null;
  length = 0;

  constructor(
    private readonly spillThreshold: number,
    private readonly tempDir: string = tmpdir(),
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (chunk.length === 0) return;
    this.length += chunk.length;
    if (this.file === null && this.length <= this.spillThreshold) {
      this.chunks.push(chunk);
      return;
    }
    if (this.file === null) {
      const dir = await mkdtemp(join(this.tempDir, 'lrs-attachment-'));
      const path = join(dir, 'part');
      const handle = await open(path, 'w');
      this.file = { handle, path, dir };
      const buffered = Buffer.concat(this.chunks);
      this.chunks = [];
      await writeAll(handle, buffered);
    }
    await writeAll(this.file.handle, chunk);
  }

  async finish(): Promise<PartBytes> {
    if (this.file === null) return Buffer.concat(this.chunks, this.length);
    const { handle, path, dir } = this.file;
    await handle.close();
    this.file = null;
    return new FileBackedBytes(path, this.length, () => rm(dir, { recursive: true, force: true }));
  }

  /** Drops whatever was collected (the request failed). */
  async discard(): Promise<void> {
    this.chunks = [];
    if (this.file !== null) {
      const { handle, dir } = this.file;
      this.file = null;
      await handle.close().catch(() => {});
      await rm(dir, { recursive: true, force: true });
    }
  }
}

async function writeAll(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}
