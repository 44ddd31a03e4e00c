export { classify } from "./classify.js";
export type { TClassifyWithExternalOptions } from "./classify-with-external.js";
export { classifyWithExternal, DEFAULT_EXTERNAL_TIMEOUT_MS } from "./classify-with-external.js";
export { confirmationText } from "./confirmation-text.js";
export type { TOpenAiCompatibleOptions } from "./create-open-ai-compatible-model.js";
export { createOpenAiCompatibleModel } from "./create-open-ai-compatible-model.js";
export type {
  TChannel,
  TClassifyOptions,
  TConfirmationKind,
  TCustomKeyword,
  TExternalModel,
  TIntent,
  TIntentResult,
} from "./intent.types.js";
export {
  ZClassifyOptions,
  ZConfirmationKind,
  ZCustomKeyword,
  ZIntent,
  ZIntentResult,
} from "./intent.types.js";
export { INTENT_THRESHOLDS } from "./intent-thresholds.js";
export { LEGAL_DEFAULT_KEYWORDS } from "./legal-default-keywords.js";
export { runClassifyCli } from "./run-classify-cli.js";
