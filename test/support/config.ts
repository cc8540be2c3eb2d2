import { ConfigInvalid } from "../../shared/config.js";

/** The ConfigInvalid that `fn` throws; anything else (or nothing) fails the test. */
export function configFailure(fn: () => unknown): ConfigInvalid {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigInvalid) return e;
    throw e;
  }
  throw new Error("expected a ConfigInvalid");
}
