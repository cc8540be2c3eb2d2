/** The app: signs in at launch so the first message does not wait for wx.login and the backend. */
import { api } from "./api/index";

App({
  onLaunch() {
    // A failure here is not shown: the first chat turn logs in again and reports what went wrong.
    api.sessions.token().catch(() => undefined);
  },
});
