import type { TAppContext } from "./core/context.js";

/** A background loop (dispatcher, scheduler, job worker); returns its stop function. */
export type TBackgroundTask = (ctx: TAppContext) => Promise<() => Promise<void>>;

/** Loops run by `--role worker`. */
export const workerTasks: TBackgroundTask[] = [];
/** Loops run by `--role scheduler` (exactly one scheduler is enough; several are safe). */
export const schedulerTasks: TBackgroundTask[] = [];
