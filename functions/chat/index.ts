import { chatSpec } from "../../shared/chat/spec.js";
import { replayed, takeTurn } from "../../shared/chat/turn.js";
import { endpoint, serve } from "../../shared/http/handler.js";
import { complete } from "../../shared/openclaw/client.js";

export const main_handler = serve(
  endpoint("chat", chatSpec, async (ctx) => {
    if (ctx.replay) {
      const { response, headers } = replayed(ctx.replay);
      return { body: response, headers };
    }
    const turn = await takeTurn(ctx, async (conversation, screen, progress) => {
      progress.sent = true;
      const answer = await complete(ctx.config, conversation.upstreamKey, ctx.body.message);
      // Known from here on: a reply check that fails still charges what OpenClaw reported.
      Object.assign(progress, { opened: true, received: answer.text, usage: answer.tokens });
      return screen ? { ...answer, text: await screen.reply(answer.text) } : answer;
    });
    return { body: turn.response, headers: turn.headers };
  }),
);
