/**
 * The conversation list: the controller, wired to the app's API client and wx; built with
 * Component(), as the chat page is, for the same reason.
 */
import { api } from "../../api/index";
import { conversationsPage } from "./controller";

Component(
  conversationsPage({
    listConversations: api.listConversations,
    deleteConversation: api.deleteConversation,
    confirm: (content) =>
      new Promise((resolve) => {
        wx.showModal({
          content,
          confirmText: "Delete",
          confirmColor: "#e64340",
          success: (res) => resolve(res.confirm),
          fail: () => resolve(false),
        });
      }),
    toast: (title) => wx.showToast({ title, icon: "none", duration: 3000 }),
    openChat: (url) => wx.reLaunch({ url }),
  }),
);
