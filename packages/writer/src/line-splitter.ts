/** Receives the complete lines of a file, with their byte positions. */
export interface LineSink {
  /** `length` counts the newline. */
  line(text: string, offset: number, length: number): void;
  /** A line over the limit; its bytes were skipped, never buffered whole. */
  tooLarge(offset: number, length: number): void;
}

/**
 * Cuts a byte stream into `\n`-terminated lines, in constant memory: a line longer than the
 * limit is skipped rather than gathered. Bytes after the last newline are an unfinished append
 * and are not emitted; `consumed` stays at the end of the last complete line. Each chunk's bytes
 * are copied if kept, so a reader may reuse its buffer for the next chunk.
 */
export class LineSplitter {
  /** Offset just past the last complete line seen. */
  consumed: number;
  /** Offset just past the last byte pushed. */
  #end: number;
  #carry: Buffer[] = [];
  #carryLen = 0;
  #carryStart = 0;
  #skipping = false;

  constructor(
    start: number,
    private readonly maxLineBytes: number,
    private readonly sink: LineSink,
    /** Lines that start before this offset are read but not emitted (gzip files start at 0). */
    private readonly emitFrom = start,
  ) {
    this.consumed = start;
    this.#end = start;
  }

  /** Bytes pushed after the last complete line: an unfinished append, or one still arriving. */
  get pending(): number {
    return this.#end - this.consumed;
  }

  /** `chunkStart`: the stream offset of the chunk's first byte, just past the previous chunk. */
  push(chunk: Buffer, chunkStart: number): void {
    this.#end = chunkStart + chunk.length;
    let s = 0;
    for (let nl = chunk.indexOf(10, s); nl !== -1; nl = chunk.indexOf(10, s)) {
      const end = chunkStart + nl + 1;
      if (this.#skipping) {
        this.#emitTooLarge(this.#carryStart, end - this.#carryStart);
        this.#skipping = false;
        this.#carryLen = 0;
      } else if (this.#carryLen > 0) {
        const length = this.#carryLen + nl + 1;
        if (length > this.maxLineBytes) this.#emitTooLarge(this.#carryStart, length);
        else if (this.#carryStart >= this.emitFrom) {
          this.#carry.push(chunk.subarray(0, nl));
          this.sink.line(Buffer.concat(this.#carry).toString("utf8"), this.#carryStart, length);
        }
        this.#carry = [];
        this.#carryLen = 0;
      } else {
        const offset = chunkStart + s;
        const length = nl + 1 - s;
        if (length > this.maxLineBytes) this.#emitTooLarge(offset, length);
        else if (offset >= this.emitFrom) this.sink.line(chunk.toString("utf8", s, nl), offset, length);
      }
      this.consumed = end;
      s = nl + 1;
    }
    if (s >= chunk.length || this.#skipping) return;
    if (this.#carryLen === 0) this.#carryStart = chunkStart + s;
    this.#carryLen += chunk.length - s;
    if (this.#carryLen > this.maxLineBytes) {
      this.#skipping = true;
      this.#carry = [];
    } else {
      this.#carry.push(Buffer.from(chunk.subarray(s))); // a reader may reuse the chunk's buffer
    }
  }

  #emitTooLarge(offset: number, length: number): void {
    if (offset >= this.emitFrom) this.sink.tooLarge(offset, length);
  }
}
