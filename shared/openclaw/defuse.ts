/**
 * The user's words, made inert for OpenClaw's parser: exactly the skill references that
 * OpenClaw 2026.9.6 resolves in a message on `POST /v1/chat/completions` are defused, and
 * nothing else is touched (docs/directives.md says how this was read and verified).
 *
 * On that endpoint OpenClaw trims the message (JavaScript `trim`), then
 * - if it starts with `/`: `/skill <name> …` selects a skill by name, and `/<command> …` one by
 *   its command name (lower case letters, digits and `_`, at most 32, never a built-in chat
 *   command's name); no `$` reference is read in such a message;
 * - otherwise: every `$<name>` (`[-a-zA-Z0-9_:]+`, trailing colons dropped) that has a lower
 *   case letter and no odd run of backslashes before the `$` references a skill, matched without
 *   regard to case (and `_` against `-`). A reference to an existing but hidden skill fails the
 *   turn.
 * Chat commands (`/reset`, `/think`, `/model`, …) and directives are not parsed there at all.
 *
 * A word joiner (U+2060: invisible, not whitespace, so OpenClaw's trim keeps it) after the `$`,
 * or after the leading `/`, leaves the text to the model as typed and matches no skill. Only
 * what OpenClaw receives changes: length limits, content checks and the history all see the
 * message as the user typed it.
 */

const WORD_JOINER = "\u2060";

/**
 * OpenClaw 2026.9.6's built-in chat command names (`listReservedChatSlashCommandNames`): a skill
 * never gets one as its command name, so `/<one of these>` selects no skill. The real-gateway
 * tests compare this list with the installed gateway's.
 */
export const OPENCLAW_RESERVED_COMMANDS: ReadonlySet<string> = new Set([
  "acp",
  "activation",
  "agents",
  "allowlist",
  "approve",
  "bash",
  "btw",
  "commands",
  "compact",
  "config",
  "context",
  "dashboard",
  "debug",
  "diagnostics",
  "elev",
  "elevated",
  "exec",
  "export",
  "export-session",
  "export-trajectory",
  "fast",
  "goal",
  "help",
  "id",
  "learn",
  "login",
  "loop",
  "mcp",
  "model",
  "models",
  "name",
  "new",
  "openclaw",
  "plugin",
  "plugins",
  "queue",
  "reason",
  "reasoning",
  "reset",
  "restart",
  "send",
  "session",
  "side",
  "skill",
  "status",
  "steer",
  "stop",
  "subagents",
  "t",
  "tasks",
  "tell",
  "think",
  "thinking",
  "tools",
  "trace",
  "trajectory",
  "tts",
  "update",
  "usage",
  "v",
  "verbose",
  "whoami",
]);

/** A skill's command name as OpenClaw derives it (sanitized, de-duplicated, ≤ 32 characters). */
const COMMAND_NAME = /^[a-z0-9_]{1,32}$/;
/** OpenClaw's leading command: `/<token>` and the rest, on the trimmed message. */
const LEADING_COMMAND = /^\/([^\s]+)(?:\s+([\s\S]+))?$/;
/** OpenClaw's skill reference pattern. */
const REFERENCE = /\$([-a-zA-Z0-9_:]+)/g;

/** Whether a message that starts with `/` (after trimming) would select a skill. */
function leadingCommandActs(trimmed: string): boolean {
  const match = LEADING_COMMAND.exec(trimmed);
  const command = match?.[1]?.toLowerCase();
  if (!command) return false;
  // `/skill <name>` matches any skill's name, whatever its characters.
  if (command === "skill") return (match?.[2]?.trim() ?? "") !== "";
  return COMMAND_NAME.test(command) && !OPENCLAW_RESERVED_COMMANDS.has(command);
}

/** An odd run of backslashes before `index` escapes the `$` there. */
function escaped(text: string, index: number): boolean {
  let run = 0;
  for (let i = index - 1; i >= 0 && text[i] === "\\"; i--) run++;
  return run % 2 === 1;
}

/** The message as OpenClaw should receive it: every skill selection it would act on defused. */
export function defuse(message: string): string {
  const lead = message.length - message.trimStart().length;
  if (message.startsWith("/", lead)) {
    if (!leadingCommandActs(message.trim())) return message;
    // After the slash, not before: the message still starts with `/`, so OpenClaw still reads
    // no `$` reference in it and matches the joined token against no command.
    return `${message.slice(0, lead + 1)}${WORD_JOINER}${message.slice(lead + 1)}`;
  }
  if (!message.includes("$")) return message;
  return message.replace(REFERENCE, (whole: string, raw: string, index: number) => {
    const name = raw.replace(/:+$/, "");
    const reference = name !== "" && /[a-z]/.test(name) && !escaped(message, index);
    return reference ? `$${WORD_JOINER}${raw}` : whole;
  });
}
