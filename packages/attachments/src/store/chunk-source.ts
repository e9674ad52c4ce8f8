import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { FileBackedBytes, PartSink } from '../multipart/part-bytes';

/** Random access to the bytes being stored, so chunks can be (re)read by offset on a retry. */
export interface ChunkSource {
  readonly length: number;
  read(offset: number, length: number): Promise<Buffer>;
  /** Streams every byte once, in order (for hashing). */
  chunks(size: number): AsyncGenerator<Buffer>;
  close(): Promise<void>;
}

export type StoreInput = Buffer | Uint8Array | FileBackedBytes | Readable;

/**
 * Turns any input into a ChunkSource. A Readable is first spooled (to memory, or to a temp
 * file past `spillThreshold`): its hash must be known before anything is written, so the
 * log only ever holds chunks of content that matches its address.
 */
export async function toChunkSource(
  input: StoreInput,
  options: { spillThreshold: number; tempDir?: string; maxBytes: number; onTooLarge: () => Error },
): Promise<ChunkSource> {
  if (input instanceof FileBackedBytes) return fileSource(input, false);
  if (input instanceof Uint8Array) {
    if (input.length > options.maxBytes) throw options.onTooLarge();
    return bufferSource(
      Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.length),
    );
  }
  const sink = new PartSink(options.spillThreshold, options.tempDir);
  try {
    for await (const chunk of input) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      if (sink.length + bytes.length > options.maxBytes) throw options.onTooLarge();
      await sink.write(bytes);
    }
  } catch (error) {
    await sink.discard();
    throw error;
  }
  const spooled = await sink.finish();
  return Buffer.isBuffer(spooled) ? bufferSource(spooled) : fileSource(spooled, true);
}

function bufferSource(bytes: Buffer): ChunkSource {
  return {
    length: bytes.length,
    read: async (offset, length) => bytes.subarray(offset, offset + length),
    async *chunks(size) {
      for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
    },
    close: async () => {},
  };
}

async function fileSource(file: FileBackedBytes, owned: boolean): Promise<ChunkSource> {
  const handle = await open(file.path, 'r');
  const read = async (offset: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(Math.max(0, Math.min(length, file.length - offset)));
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
      if (bytesRead === 0) throw new Error(`${file.path} is shorter than ${file.length} bytes`);
      filled += bytesRead;
    }
    return buffer;
  };
  return {
    length: file.length,
    read,
    async *chunks(size) {
      for (let offset = 0; offset < file.length; offset += size) yield await read(offset, size);
    },
    close: async () => {
      await handle.close();
      if (owned) await file.dispose();
    },
  };
}
