/** The chat page: Page() over the controller, wired to the app's API client and wx. */
import { api } from "../../api/index";
import { STREAM_REPLIES } from "../../config";
import { chatPage } from "./controller";

Page(
  chatPage({
    chat: api.chat,
    chatStream: STREAM_REPLIES ? api.chatStream : undefined,
    loadMessages: api.loadMessages,
    // icon "none" allows two lines of text, the other icons about seven characters.
    toast: (title) => wx.showToast({ title, icon: "none", duration: 3000 }),
    navigate: (url) => wx.navigateTo({ url }),
  }),
);
