import { chatSpec } from "../../shared/chat/spec.js";
import { replayed, takeTurn } from "../../shared/chat/turn.js";
import { serveStream } from "../../shared/http/stream.js";
import { completeStream } from "../../shared/openclaw/stream.js";

export const request_handler = serveStream("chat-stream", chatSpec, async (ctx, stream) => {
  if (ctx.replay) {
    // A retry of a finished request: the stored reply, in one piece.
    const { response } = replayed(ctx.replay);
    stream.send("delta", { text: response.reply });
    stream.send("done", { conversation_id: response.conversation_id, tokens_used: response.tokens_used });
    return;
  }
  const turn = await takeTurn(ctx, (conversation) =>
    completeStream(ctx.config, conversation.upstreamKey, ctx.body.message, {
      signal: ctx.signal,
      onDelta: (text) => stream.send("delta", { text }),
    }),
  );
  // The turn is recorded before `done`, so a client that saw `done` finds it in its history.
  stream.send("done", { conversation_id: turn.response.conversation_id, tokens_used: turn.response.tokens_used });
});
