export { listAuditEvents, type TAuditEventView } from "./list-audit-events.js";
export { auditRoutes, toCsv } from "./routes.js";
export { type TAuditVerification, verifyAuditChain } from "./verify-audit-chain.js";
