import type { TAnyJobDefinition } from "./job-types.js";

const definitions = new Map<string, TAnyJobDefinition>();

/** Called by defineJob: one definition per name in a process. */
export function registerJobDefinition(definition: TAnyJobDefinition): void {
  if (definitions.has(definition.name)) throw new Error(`job ${definition.name} is defined twice`);
  definitions.set(definition.name, definition);
}

/** The definition of a job name, for payload validation at enqueue. */
export function findJobDefinition(name: string): TAnyJobDefinition | undefined {
  return definitions.get(name);
}
