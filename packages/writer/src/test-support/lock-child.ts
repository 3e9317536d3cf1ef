// A child process for the lock crash test: takes and releases one lock as fast as it can, until
// killed, so a SIGKILL lands at any point of taking it. Prints "ready" once it has held it once.
// argv: target
import { FileLock } from "../index.js";

const target = process.argv[2]!;
let announced = false;
for (;;) {
  const lock = FileLock.tryAcquire(target);
  if (!lock) continue;
  if (!announced) {
    announced = true;
    process.stdout.write("ready\n");
    await new Promise((r) => setImmediate(r));
  }
  lock.release();
}
