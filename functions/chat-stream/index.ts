import { chatSpec } from "../../shared/chat/spec.js";
import { replayed, takeTurn } from "../../shared/chat/turn.js";
import { serveStream } from "../../shared/http/stream.js";
import { completeStream } from "../../shared/openclaw/stream.js";

export const request_handler = serveStream("chat-stream", chatSpec, async (ctx, stream) => {
  const send = (text: string) => stream.send("delta", { text });
  if (ctx.replay) {
    // A retry of a finished request: the stored reply, in one piece.
    const { response } = replayed(ctx.replay);
    send(response.reply);
    stream.send("done", { conversation_id: response.conversation_id, tokens_used: response.tokens_used });
    return;
  }
  const turn = await takeTurn(ctx, async (conversation, screen, progress) => {
    // With content security on, text reaches the client only in checked segments.
    const release = screen?.releaser(send);
    const deliver = release ? (text: string) => release.push(text) : send;
    progress.sent = true;
    const answer = await completeStream(ctx.config, conversation.upstreamKey, ctx.body.message, {
      signal: ctx.signal,
      onOpen: () => {
        progress.opened = true;
      },
      onDelta: (text) => {
        progress.received += text;
        deliver(text);
      },
      onUsage: (tokens) => {
        progress.usage = tokens;
      },
    });
    return release ? { ...answer, text: await release.finish() } : answer;
  });
  // The turn is recorded before `done`, so a client that saw `done` finds it in its history.
  stream.send("done", { conversation_id: turn.response.conversation_id, tokens_used: turn.response.tokens_used });
});
