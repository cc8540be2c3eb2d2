import { afterAll, describe, expect, inject, it } from "vitest";
import { ApiError } from "../../../shared/errors.js";
import { closeRedisClients, redisClient, withRedis } from "../../../shared/redis/client.js";
import { inspector } from "../../support/stack.js";

afterAll(() => closeRedisClients());

describe("the shared Redis client", () => {
  it("keeps its connection through one slow moment: a command that timed out does not drop the others' socket", async () => {
    // CLIENT ID names one node's connection; the check only makes sense on one server.
    if (inject("redisMode") === "cluster") return;
    const client = redisClient(inject("redisUrl"), "standalone");
    const before = await client.client("ID");
    const admin = inspector();
    try {
      // Every client's commands wait for a second: ours times out, and then the server is fine.
      await admin.client("PAUSE", 1000, "ALL");
      await expect(withRedis(client, () => client.get("anything"))).rejects.toBeInstanceOf(ApiError);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await client.client("ID")).toBe(before);
    } finally {
      await admin.client("UNPAUSE").catch(() => undefined);
      admin.disconnect();
    }
  });
});
