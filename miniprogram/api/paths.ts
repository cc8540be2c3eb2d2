/**
 * API paths, checked against the backend's route table at compile time: the type-only import
 * costs nothing at runtime, and a path that drifts from shared/routes.ts fails `tsc`.
 */
import type { routes } from "../../shared/routes";

type PathOf<Name extends keyof typeof routes> = (typeof routes)[Name]["path"];

export const LOGIN_PATH: PathOf<"login"> = "/api/auth/wx-login";
export const CHAT_PATH: PathOf<"chat"> = "/api/chat";
