// A global async mutex: processBlock, processHeader, invalidateBlock and reconsiderBlock
// run one at a time, so no two of them ever interleave their reads and batches.
export class AsyncLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => fn());
    // The queue continues whether fn fails or not; the caller still sees the failure.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
