/**
 * Reading and using a page rendered by the simulator as a person would: typing and tapping are
 * events dispatched on the rendered elements, and what is read is the DOM's text.
 */
import { expect } from "vitest";
import type { RenderedElement, SimComponent } from "./simulator";

export function element(page: SimComponent, selector: string): SimComponent {
  const found = page.querySelector(selector);
  if (!found) throw new Error(`nothing rendered matches ${selector}`);
  return found;
}

/** Types into the message box and taps Send, as events on the rendered elements. */
export function send(page: SimComponent, text: string): void {
  element(page, ".input").dispatchEvent("input", { detail: { value: text, cursor: text.length } });
  element(page, ".send").dispatchEvent("tap");
}

/** Rendered elements of the WXML class `name` (the DOM has it prefixed with the page's tag). */
export const all = (root: RenderedElement, name: string): RenderedElement[] =>
  Array.from(root.querySelectorAll(`[class~="main--${name}"]`));

export const textOf = (el: RenderedElement | null | undefined) => el?.textContent?.trim() ?? "";

/** The conversation on screen: one line per row, "role: bubble text [error]". */
export function screen(page: SimComponent): string[] {
  return all(page.dom, "row").map((row) => {
    const role = /(?:^|\s)main--user(?:\s|$)/.test(row.getAttribute("class") ?? "") ? "user" : "assistant";
    const error = textOf(row.querySelector('[class~="main--error"]'));
    return `${role}: ${textOf(row.querySelector('[class~="main--bubble"]'))}${error ? ` [${error}]` : ""}`;
  });
}

/** The titles the list shows, top to bottom. */
export const titles = (page: SimComponent) => all(page.dom, "title").map((el) => textOf(el));

/**
 * Waits for the screen to read `expected`: a turn ends when the backend has answered, at no
 * set time. Fails with the difference if it never does.
 */
export async function shows(read: () => string[], expected: string[]): Promise<void> {
  const until = Date.now() + 15_000;
  while (JSON.stringify(read()) !== JSON.stringify(expected) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(read()).toEqual(expected);
}

/** Waits for `probe` to return something: the app reacts to taps and answers when it does. */
export async function eventually<T>(what: string, probe: () => T | undefined): Promise<T> {
  const until = Date.now() + 15_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
