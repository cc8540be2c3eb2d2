/** `--import` this beside tsx so that `.lua` files import as text (see hooks.mjs). */
import { register } from "node:module";

register("./hooks.mjs", import.meta.url);
