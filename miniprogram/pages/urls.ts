/** The pages' URLs, as app.json registers them, for navigation between them. */

export const CONVERSATIONS_URL = "/pages/conversations/conversations";

/** The chat page; with an id, it opens that conversation (its history, then the next message continues it). */
export function chatUrl(conversationId?: string): string {
  const page = "/pages/chat/chat";
  return conversationId === undefined ? page : `${page}?conversation_id=${encodeURIComponent(conversationId)}`;
}
