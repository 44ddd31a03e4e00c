/**
 * Decision thresholds on the model's opt-out probability (opt_out + opt_out_marketing).
 * A missed opt-out is the costly error, so the clarification band sits mostly below one half.
 */
export const INTENT_THRESHOLDS = Object.freeze({
  /** At or above: the message is an opt-out. */
  optOut: 0.5,
  /** At or above: an opt-out without doubt (below it, but above `optOut`, `uncertain` is set). */
  certain: 0.8,
  /** At or above (and below `optOut`): not an opt-out, but worth one clarifying question. */
  clarify: 0.3,
});
