/** The client's answer to 409 in_progress: the same request again, after the backend's Retry-After. */
import { describe, expect, it } from "vitest";
import { isInProgress, untilNotInProgress } from "../../miniprogram/api/in-progress";
import type { HttpResponse } from "../../miniprogram/api/request";

const inProgress = (retryAfter?: string): HttpResponse => ({
  status: 409,
  data: { error: "This message is still being answered; retry shortly.", code: "in_progress" },
  headers: retryAfter ? { "retry-after": retryAfter } : {},
});
const ok: HttpResponse = { status: 200, data: { reply: "hi", conversation_id: "c", tokens_used: 1 }, headers: {} };

describe("in_progress retries", () => {
  it("sends the request again after each Retry-After until the reply comes", async () => {
    const answers = [inProgress("3"), inProgress("1"), ok];
    const waits: number[] = [];
    let sent = 0;
    const res = await untilNotInProgress(
      async () => {
        sent++;
        return answers.shift() ?? ok;
      },
      async (ms) => {
        waits.push(ms);
      },
    );
    expect(res).toBe(ok);
    expect(sent).toBe(3);
    expect(waits).toEqual([3000, 1000]);
  });

  it("leaves a conflict (same id, different message) and other answers alone", async () => {
    const conflict: HttpResponse = { status: 409, data: { error: "x", code: "conflict" }, headers: {} };
    expect(isInProgress(conflict)).toBe(false);
    let sent = 0;
    const res = await untilNotInProgress(
      async () => {
        sent++;
        return conflict;
      },
      async () => {},
    );
    expect(res).toBe(conflict);
    expect(sent).toBe(1);
  });

  it("gives up after a few rounds and hands the 409 back", async () => {
    let sent = 0;
    const res = await untilNotInProgress(
      async () => {
        sent++;
        return inProgress();
      },
      async () => {},
    );
    expect(isInProgress(res)).toBe(true);
    expect(sent).toBe(6);
  });
});
