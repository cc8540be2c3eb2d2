/**
 * The chat page: the controller, wired to the app's API client and wx. Built with Component()
 * rather than Page() (WeChat allows either for a page) so that WeChat's component test tool,
 * which has no Page(), can render it.
 */
import { api } from "../../api/index";
import { STREAM_REPLIES } from "../../config";
import { chatPage } from "./controller";

Component(
  chatPage({
    chat: api.chat,
    chatStream: STREAM_REPLIES ? api.chatStream : undefined,
    loadMessages: api.loadMessages,
    // icon "none" allows two lines of text, the other icons about seven characters.
    toast: (title) => wx.showToast({ title, icon: "none", duration: 3000 }),
    navigate: (url) => wx.navigateTo({ url }),
  }),
);
