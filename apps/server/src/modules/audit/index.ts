export { listAuditEvents, type TAuditEventView } from "./list-audit-events.js";
export { auditRoutes, toCsv } from "./routes.js";
export { verifyAuditChain, type TAuditVerification } from "./verify-audit-chain.js";
