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
 * and are not emitted; `consumed` stays at the end of the last complete line.
 */
export class LineSplitter {
  /** Offset just past the last complete line seen. */
  consumed: number;
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
  }

  push(chunk: Buffer, chunkStart: number): void {
    let s = 0;
    for (let nl = chunk.indexOf(10, s); nl !== -1; nl = chunk.indexOf(10, s)) {
      const end = chunkStart + nl + 1;
      if (this.#skipping) {
        this.#emitTooLarge(this.#carryStart, end - this.#carryStart);
        this.#skipping = false;
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
      this.#carry.push(Buffer.from(chunk.subarray(s))); // the chunk's buffer is reused by the reader
    }
  }

  #emitTooLarge(offset: number, length: number): void {
    if (offset >= this.emitFrom) this.sink.tooLarge(offset, length);
  }
}
