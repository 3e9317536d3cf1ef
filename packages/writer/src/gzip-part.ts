import { createReadStream } from "node:fs";
import { createGunzip } from "node:zlib";
import { CorruptPartError } from "./errors.js";

/**
 * The decompressed bytes of a `.jsonl.gz` part, in chunks. A part that is not gzip or was cut
 * short fails with `CorruptPartError` naming it, not with zlib's bare "incorrect header check".
 */
export async function* gzipPartChunks(path: string, highWaterMark?: number): AsyncGenerator<Buffer> {
  const file = createReadStream(path, highWaterMark ? { highWaterMark } : {});
  const gunzip = createGunzip();
  // `pipe` forwards no errors: a file that cannot be read fails the loop through this one.
  file.on("error", (error) => gunzip.destroy(error));
  try {
    for await (const chunk of file.pipe(gunzip) as AsyncIterable<Buffer>) yield chunk;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (typeof code === "string" && code.startsWith("Z_")) throw new CorruptPartError(path, error);
    throw error;
  } finally {
    // A reader that stops early leaves neither the file open nor zlib's buffers behind.
    file.destroy();
    gunzip.destroy();
  }
}
