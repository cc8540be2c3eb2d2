/**
 * 409 `in_progress`: the backend is still answering this very message (same client_msg_id) and
 * enough copies already wait for it. The answer is to send the same request again after its
 * `Retry-After`: by then the first is done and the retry gets its reply back, or it may wait.
 */
import { parseRetryAfter } from "./errors";
import type { HttpResponse } from "./request";

/** Enough for a turn at the backend's longest deadline; then the error is shown as it is. */
const MAX_RETRIES = 5;
const DEFAULT_WAIT_S = 2;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function isInProgress(res: HttpResponse): boolean {
  const data = res.data;
  return (
    res.status === 409 &&
    typeof data === "object" &&
    data !== null &&
    (data as Record<string, unknown>).code === "in_progress"
  );
}

/** Sends `attempt` again after each `in_progress`, waiting what the backend asked. */
export async function untilNotInProgress(
  attempt: () => Promise<HttpResponse>,
  wait: (ms: number) => Promise<void> = sleep,
): Promise<HttpResponse> {
  let res = await attempt();
  for (let i = 0; i < MAX_RETRIES && isInProgress(res); i++) {
    await wait((parseRetryAfter(res.headers["retry-after"]) ?? DEFAULT_WAIT_S) * 1000);
    res = await attempt();
  }
  return res;
}
