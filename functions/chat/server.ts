/**
 * chat as an SCF Web function: scf_bootstrap starts this server, and with request
 * multi-concurrency SCF sends it many turns at once. The pipeline is the event function's own.
 */
import { jsonHandler, startWebServer } from "../../shared/http/web-server.js";
import { main_handler } from "./index.js";

startWebServer("chat", jsonHandler(main_handler));
