import { afterAll, beforeAll } from "vitest";
import { clarifyPolicySuite } from "./clarify-policy.suite.js";
import { intentSettingsSuite } from "./intent-settings.suite.js";
import { providerOptOutSuite } from "./provider-opt-out.suite.js";
import { providersSuite } from "./providers.suite.js";
import { createInboundServer, type TInboundServer } from "./testing/inbound-fixture.js";
import { whatsappSuite } from "./whatsapp.suite.js";

/** The inbound path end to end, one server and one database for every suite (each has its own workspace). */
let s: TInboundServer;
beforeAll(async () => {
  s = await createInboundServer();
});
afterAll(async () => s?.close());

whatsappSuite(() => s);
providersSuite(() => s);
intentSettingsSuite(() => s);
clarifyPolicySuite(() => s);
providerOptOutSuite(() => s);
