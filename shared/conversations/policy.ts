import type { ConfigOf } from "../config.js";
import type { HistoryPolicy } from "./store.js";

export const historyPolicy = (config: ConfigOf<"conversations">): HistoryPolicy => ({
  ttlS: config.CONVERSATION_TTL_S,
  enabled: config.HISTORY_ENABLED,
  maxMessages: config.HISTORY_MAX_MESSAGES,
});
