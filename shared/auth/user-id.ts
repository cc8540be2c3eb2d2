/**
 * A user's derived id: a keyed hash of the openid, so that neither Redis key names nor tokens
 * show the openid (or its plain SHA-256, which anyone holding an openid could compute). It is
 * keyed by the app's WeChat secret, which only login needs: every later request finds the id
 * at the front of its session token.
 */
import { createHmac } from "node:crypto";
import { USER_ID_HEX } from "../redis/keys.js";

export function derivedUserId(secret: string, appid: string, openid: string): string {
  return createHmac("sha256", secret).update(`wxclaw user id\n${appid}\n${openid}`).digest("hex").slice(0, USER_ID_HEX);
}
