/**
 * In-process wake-up for dispatchers: the send path signals after a commit that queued something.
 * PGlite lives in one process, so this is all it needs; Postgres adds LISTEN/NOTIFY across processes.
 */
const listeners = new Set<() => void>();

export function onDispatchSignal(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function signalDispatchers(): void {
  for (const listener of listeners) listener();
}
