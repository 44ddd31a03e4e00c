import { ChannelError } from "../channel-error.js";

/**
 * Runs `action` and returns the ChannelError it throws or rejects with. Fails (throws) if it succeeds
 * or throws anything else: adapters must only ever throw ChannelError.
 */
export async function catchChannelError(action: () => unknown): Promise<ChannelError> {
  try {
    await action();
  } catch (error) {
    if (error instanceof ChannelError) return error;
    throw new Error(
      `expected a ChannelError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
  }
  throw new Error("expected a ChannelError, but the call succeeded");
}
