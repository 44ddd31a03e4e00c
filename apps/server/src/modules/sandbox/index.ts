/** The sandbox channel: a provider-less channel to try the whole loop (send, reply "stop", see suppression). */
export { findSandboxAccount } from "./find-sandbox-account.js";
export { listSandboxOutbox, receivedStatuses, type TOutboxItem } from "./list-sandbox-outbox.js";
export { sandboxRoutes, ZOutboxItem, ZSandboxInboundRequest, ZSandboxInboundResponse } from "./routes.js";
export { simulateInbound, type TSimulatedInbound } from "./simulate-inbound.js";
