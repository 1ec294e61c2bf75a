// What a promise rejects with. Bun's `expect(promise).rejects` waits without delivering worker
// messages, so on the embedded database (its statements run on a Worker) it hangs: await this.
export function rejectionOf(promise: Promise<unknown>): Promise<any> {
  return promise.then(
    () => new Error('expected a rejection, got a value'),
    (error) => error,
  );
}
