// One process's durable lease and settlement operations, run one at a time: a lease's
// in-memory mirror (meter-slots.ts) is then never changed by two of them at once, and a batch
// (meter-writer.ts) never races the growth, shrinking or closing of a lease it draws from.
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.tail.then(operation);
    this.tail = result.catch(() => {});
    return result;
  }
}
