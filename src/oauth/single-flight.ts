/** In-process single flight: concurrent callers of `run` share the one operation in progress. */
export interface SingleFlight<T> {
  run(operation: () => Promise<T>): Promise<T>;
  readonly busy: boolean;
}

export function createSingleFlight<T>(): SingleFlight<T> {
  let current: Promise<T> | undefined;
  return {
    run(operation) {
      if (current) return current;
      const started = operation().finally(() => {
        current = undefined;
      });
      current = started;
      return started;
    },
    get busy() {
      return current !== undefined;
    },
  };
}
