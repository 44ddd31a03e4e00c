import { afterAll, beforeAll } from "vitest";
import { fuzzSuite } from "./fuzz.suite.js";
import { loopSuite } from "./loop.suite.js";
import { createInboundServer, type TInboundServer } from "./testing/inbound-fixture.js";

/**
 * The loop through the dispatcher and the fake providers (first: its dispatcher would send any message
 * another suite left queued), then random and malformed input at every route.
 */
let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer();
});
afterAll(async () => s?.close());

loopSuite(() => s);
fuzzSuite(() => s);
