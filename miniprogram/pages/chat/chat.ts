/** The chat page: Page() over the controller, wired to the app's API client and wx.showToast. */
import { api } from "../../api/index";
import { chatPage } from "./controller";

Page(
  chatPage({
    chat: api.chat,
    // icon "none" allows two lines of text, the other icons about seven characters.
    toast: (title) => wx.showToast({ title, icon: "none", duration: 3000 }),
  }),
);
