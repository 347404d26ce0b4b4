// Every user mistake the oda-model tool detects (unsupported op, dynamic shape, bad CSV, …)
// is a ModelError: the CLI prints its message and exits 2, without a stack trace.
export class ModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelError';
  }
}
