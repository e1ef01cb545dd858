// A catalogue message with markup in place of some of its values: a <strong> email, a link, an amount. The
// translation decides where they go, so the words around them are never glued together in code.
import type { ComponentChildren } from 'preact';
import type { MessageKey, MessageValues, Translator } from '../i18n/catalogue.ts';

const MARK = '\u0001';

/** `richText(i18n, 'key', { email: <strong>{email}</strong> })`: the message, with each node where its placeholder is. */
export function richText(i18n: Translator, key: MessageKey, nodes: Record<string, ComponentChildren>, values: MessageValues = {}): ComponentChildren[] {
  const names = Object.keys(nodes);
  const marked = Object.fromEntries(names.map((name, i) => [name, `${MARK}${i}${MARK}`]));
  const text = i18n.t(key, { ...values, ...marked });
  return text.split(new RegExp(`${MARK}(\\d+)${MARK}`)).map((part, i) => (i % 2 === 1 ? nodes[names[Number(part)]!] : part));
}
