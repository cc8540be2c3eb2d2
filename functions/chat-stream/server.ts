/**
 * The SCF Web function's server: scf_bootstrap starts it. Deployed at concurrency 1, since an
 * SSE connection holds its instance for the whole reply anyway.
 */
import { startWebServer } from "../../shared/http/web-server.js";
import { request_handler } from "./index.js";

startWebServer("chat-stream", request_handler);
