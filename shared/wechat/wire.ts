/**
 * What WeChat's server APIs answer, as schemas: jscode2session, stable_token and msgSecCheck v2.
 * WeChat may label JSON `text/plain` (CONTRACT §5), so the body is parsed whatever its type.
 * `errcode` is absent or 0 on success.
 */
import * as z from "zod/mini";

const errcode = z.optional(z.number());

export const Jscode2SessionReply = z.object({
  errcode,
  openid: z.optional(z.string()),
  unionid: z.optional(z.string()),
});

export const StableTokenReply = z.object({
  errcode,
  access_token: z.optional(z.string()),
  expires_in: z.optional(z.number()),
});

export const MsgSecCheckReply = z.object({
  errcode,
  result: z.optional(z.object({ suggest: z.optional(z.string()) })),
});
