/** Size budgets of the minified function bundles, in bytes: cold start grows with them. */
export const BUNDLE_BUDGET_BYTES: Readonly<Record<string, number>> = {
  health: 50 * 1024,
  login: 250 * 1024,
  logout: 250 * 1024,
  chat: 250 * 1024,
};

/** Any function without its own line. */
export const DEFAULT_BUDGET_BYTES = 250 * 1024;
