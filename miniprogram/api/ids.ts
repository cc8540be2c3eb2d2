/**
 * `client_msg_id`: names one message the user sent, so that sending it again after a failure
 * (a timeout after which the backend may well have answered) gets the first reply back instead
 * of a second turn. It only has to be unique per user for ten minutes, not secret.
 */
export function newClientMsgId(now = Date.now()): string {
  const random = Math.floor(Math.random() * 36 ** 8)
    .toString(36)
    .padStart(8, "0");
  return `${now.toString(36)}-${random}`;
}
