import { chatSpec } from "../../shared/chat/spec.js";
import { replayed, takeTurn } from "../../shared/chat/turn.js";
import { serve } from "../../shared/http/handler.js";
import { complete } from "../../shared/openclaw/client.js";

export const main_handler = serve("chat", chatSpec, async (ctx) => {
  const turn = ctx.replay
    ? replayed(ctx.replay)
    : await takeTurn(ctx, (conversation) => complete(ctx.config, conversation.upstreamKey, ctx.body.message));
  return { body: turn.response, headers: turn.headers };
});
