/**
 * Classifies JSON lines from stdin: `echo '{"text":"STOP"}' | npx tsx scripts/intent-classify.ts`
 */
import { runClassifyCli } from "../src/modules/intent/index.js";

await runClassifyCli(process.stdin, process.stdout);
