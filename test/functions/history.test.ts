import { describe, expect, it } from "vitest";
import { main_handler as chat } from "../../functions/chat/index.js";
import { main_handler as conversations } from "../../functions/conversations/index.js";
import { main_handler as eraseMe } from "../../functions/me/index.js";
import { standinReply } from "../../scripts/standins/openclaw.js";
import { ChatResponse, ConversationsResponse, MessagesResponse } from "../../shared/schemas.js";
import { useChatStack } from "../support/chat-stack.js";
import { bodyAs, urlEvent } from "../support/events.js";
import { forbidInLogs } from "../support/log-guard.js";
import { keysOfToken, setEnv, storedKeys } from "../support/stack.js";
import { loginAs } from "../support/users.js";

const stack = useChatStack();

const auth = (token: string) => ({ "x-wx-session": token });

async function say(token: string, message: string, conversation_id: string | null = null) {
  forbidInLogs(message);
  const res = await chat(
    urlEvent({ method: "POST", path: "/api/chat", headers: auth(token), body: { message, conversation_id } }),
  );
  expect(res.statusCode, res.body).toBe(200);
  return bodyAs(res, ChatResponse).conversation_id;
}

const listOf = async (token: string) =>
  bodyAs(await conversations(urlEvent({ path: "/api/conversations", headers: auth(token) })), ConversationsResponse)
    .conversations;

const messagesOf = (token: string, id: string) =>
  conversations(urlEvent({ path: `/api/conversations/${id}/messages`, headers: auth(token) }));

const deleteConv = (token: string, id: string) =>
  conversations(urlEvent({ method: "DELETE", path: `/api/conversations/${id}`, headers: auth(token) }));

describe("conversation history", () => {
  it("lists the caller's conversations newest first, titled by their first message", async () => {
    const token = await loginAs("hal");
    const a = await say(token, "First conversation about the weather in Shenzhen this week, in detail");
    const b = await say(token, "短的");
    await say(token, "back to the first", a);
    const convs = await listOf(token);
    expect(convs.map((c) => c.id)).toEqual([a, b]);
    expect(convs[0]?.title).toBe("First conversation about the weather in…");
    expect(convs[1]?.title).toBe("短的");
    expect(convs[0]?.updated_at).toBeGreaterThanOrEqual(convs[0]?.created_at ?? Infinity);
    expect(await listOf(await loginAs("ivy"))).toEqual([]);
  });

  it("returns a conversation's turns oldest first, keeping the last HISTORY_MAX_MESSAGES", async () => {
    setEnv({ HISTORY_MAX_MESSAGES: "4" });
    const token = await loginAs("hal");
    const id = await say(token, "m1");
    await say(token, "m2", id);
    await say(token, "m3", id);
    const res = await messagesOf(token, id);
    expect(res.statusCode).toBe(200);
    const body = bodyAs(res, MessagesResponse);
    expect(body.messages.map((m) => [m.role, m.content])).toEqual([
      ["user", "m2"],
      ["assistant", standinReply("m2", 2)],
      ["user", "m3"],
      ["assistant", standinReply("m3", 3)],
    ]);
  });

  it("stores a turn only when its reply completed", async () => {
    const token = await loginAs("jo");
    const id = await say(token, "kept");
    stack.openclaw.queue({ status: 500 });
    const failed = await chat(
      urlEvent({
        method: "POST",
        path: "/api/chat",
        headers: auth(token),
        body: { message: "lost", conversation_id: id },
      }),
    );
    expect(failed.statusCode).toBe(502);
    const body = bodyAs(await messagesOf(token, id), MessagesResponse);
    expect(body.messages.map((m) => m.content)).toEqual(["kept", standinReply("kept", 1)]);
  });

  it("answers 404 for someone else's or an unknown conversation, and changes nothing", async () => {
    const owner = await loginAs("kay");
    const id = await say(owner, "private");
    const stranger = await loginAs("lou");
    for (const target of [id, "B".repeat(22), "..%2F..", "x"]) {
      expect((await messagesOf(stranger, target)).statusCode).toBe(404);
      expect((await deleteConv(stranger, target)).statusCode).toBe(404);
    }
    expect((await listOf(owner)).map((c) => c.id)).toEqual([id]);
  });

  it("deletes a conversation with its history; its id and OpenClaw key are never used again", async () => {
    const token = await loginAs("max");
    const id = await say(token, "to be deleted");
    const keyBefore = stack.openclaw.calls.at(-1)?.user;
    const res = await deleteConv(token, id);
    expect(res.statusCode).toBe(204);
    expect((await messagesOf(token, id)).statusCode).toBe(404);
    expect(await listOf(token)).toEqual([]);
    const again = await chat(
      urlEvent({
        method: "POST",
        path: "/api/chat",
        headers: auth(token),
        body: { message: "hello?", conversation_id: id },
      }),
    );
    expect(again.statusCode).toBe(404);
    await say(token, "fresh start");
    expect(stack.openclaw.calls.at(-1)?.user).not.toBe(keyBefore);
    expect((await storedKeys(stack.redis, stack.prefix)).filter((k) => k.key.includes(id))).toEqual([]);
  });

  it("keeps no text when history is off", async () => {
    setEnv({ HISTORY_ENABLED: "false" });
    const token = await loginAs("ned");
    const id = await say(token, "secret diary entry");
    expect(bodyAs(await messagesOf(token, id), MessagesResponse).messages).toEqual([]);
    expect((await listOf(token))[0]).toMatchObject({ id, title: "" });
    for (const k of await storedKeys(stack.redis, stack.prefix)) expect(k.dump).not.toContain("secret diary");
    // The conversation still continues.
    expect(await say(token, "more", id)).toBe(id);
  });

  it("gives every stored key a TTL", async () => {
    const token = await loginAs("oz");
    const id = await say(token, "ttl");
    await say(token, "ttl 2", id);
    const keys = await storedKeys(stack.redis, stack.prefix);
    expect(keys.some((k) => k.key.endsWith(":messages"))).toBe(true);
    for (const k of keys) expect(k.ttlMs, k.key).toBeGreaterThan(0);
  });
});

describe("DELETE /api/me", () => {
  it("erases the caller's sessions, conversations, history and counters, and nothing of others", async () => {
    const token = await loginAs("pia");
    const second = await loginAs("pia");
    await say(token, "mine 1");
    await say(second, "mine 2");
    const other = await loginAs("quentin");
    const otherConv = await say(other, "not mine");
    const openid = stack.wechat.openidFor("pia:x");
    const mine = keysOfToken(stack.prefix, token);
    expect((await storedKeys(stack.redis, stack.prefix)).some((k) => k.key.startsWith(mine.base))).toBe(true);

    const res = await eraseMe(urlEvent({ method: "DELETE", path: "/api/me", headers: auth(token) }));
    expect(res.statusCode).toBe(204);

    const left = await storedKeys(stack.redis, stack.prefix);
    expect(left.filter((k) => k.key.includes(openid) || k.dump.includes(openid))).toEqual([]);
    // Only the abuse counter and the erase marker stay, both integers that expire.
    expect(left.filter((k) => k.key.startsWith(mine.base)).map((k) => k.key)).toEqual([mine.erased, mine.rate]);
    for (const t of [token, second])
      expect((await conversations(urlEvent({ path: "/api/conversations", headers: auth(t) }))).statusCode).toBe(401);
    expect((await listOf(other)).map((c) => c.id)).toEqual([otherConv]);
    expect(left.filter((k) => k.key.includes(":session:"))).toHaveLength(1);
  });
});
