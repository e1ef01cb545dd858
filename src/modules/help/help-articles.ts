// The help centre's articles: one Markdown file per article and language in ./articles/ (`redeem.en.md`,
// `redeem.fi.md`), written for recipients. A file starts with a few `name: value` lines between `---`
// (title, summary, keywords, order), then a small, safe part of Markdown: `##`/`###` headings (an
// optional `{#anchor}`), paragraphs, `-` and `1.` lists, **bold** and [links](/path). It is parsed into
// blocks here, never into HTML, so pages render it as elements and nothing in a file can inject markup.
import { readdirSync, readFileSync } from 'node:fs';

export type Inline = { text: string } | { strong: string } | { link: string; href: string };

export type Block =
  | { type: 'heading'; level: 2 | 3; id: string; content: Inline[] }
  | { type: 'paragraph'; content: Inline[] }
  | { type: 'list'; ordered: boolean; items: Inline[][] };

export interface HelpArticle {
  slug: string;
  locale: string;
  title: string;
  summary: string;
  /** Words people search with that the text may not use ("voucher", "coupon"). */
  keywords: string[];
  order: number;
  blocks: Block[];
}

const FILE_NAME = /^([a-z0-9-]+)\.([a-z]{2,3}(?:-[A-Z]{2})?)\.md$/;

/** Every article in the folder, by language then slug. */
export function loadArticles(folder: URL): HelpArticle[] {
  return readdirSync(folder).flatMap((name) => {
    const [, slug = '', locale = ''] = FILE_NAME.exec(name) ?? [];
    return slug ? [parseArticle(slug, locale, readFileSync(new URL(name, folder), 'utf8'))] : [];
  });
}

export function parseArticle(slug: string, locale: string, source: string): HelpArticle {
  const match = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(source.replace(/\r\n?/g, '\n'));
  if (!match) throw new Error(`help article ${slug}.${locale}.md: no front matter between --- lines`);
  const meta = new Map<string, string>();
  for (const line of match[1]!.split('\n')) {
    const pair = /^(\w+):\s*(.*)$/.exec(line);
    if (pair) meta.set(pair[1]!, pair[2]!.trim());
  }
  const title = meta.get('title');
  if (!title) throw new Error(`help article ${slug}.${locale}.md: no title`);
  return {
    slug, locale, title,
    summary: meta.get('summary') ?? '',
    keywords: (meta.get('keywords') ?? '').split(',').map((k) => k.trim()).filter(Boolean),
    order: Number(meta.get('order') ?? 100),
    blocks: parseBlocks(match[2]!),
  };
}

function parseBlocks(body: string): Block[] {
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let list: { ordered: boolean; items: Inline[][] } | undefined;
  const flush = () => {
    if (paragraph.length) blocks.push({ type: 'paragraph', content: parseInline(paragraph.join(' ')) });
    if (list) blocks.push({ type: 'list', ...list });
    paragraph = [];
    list = undefined;
  };
  for (const raw of body.split('\n')) {
    const line = raw.trim();
    const heading = /^(#{2,3})\s+(.*?)(?:\s+\{#([a-z0-9-]+)\})?$/.exec(line);
    const item = /^(-|\d+\.)\s+(.*)$/.exec(line);
    if (line === '') {
      flush();
    } else if (heading) {
      flush();
      const text = heading[2]!;
      blocks.push({ type: 'heading', level: heading[1]!.length as 2 | 3, id: heading[3] ?? anchorOf(text), content: parseInline(text) });
    } else if (item) {
      const ordered = item[1] !== '-';
      if (paragraph.length || (list && list.ordered !== ordered)) flush();
      list ??= { ordered, items: [] };
      list.items.push(parseInline(item[2]!));
    } else if (list && /^\s+/.test(raw)) {
      // An indented line carries on the list item above it.
      const last = list.items[list.items.length - 1]!;
      last.push({ text: ' ' }, ...parseInline(line));
    } else {
      if (list) flush();
      paragraph.push(line);
    }
  }
  flush();
  return blocks;
}

function parseInline(text: string): Inline[] {
  const parts: Inline[] = [];
  const pattern = /\*\*(.+?)\*\*|\[(.+?)\]\(([^)\s]+)\)/g;
  let at = 0;
  for (const match of text.matchAll(pattern)) {
    if (match.index > at) parts.push({ text: text.slice(at, match.index) });
    if (match[1] !== undefined) parts.push({ strong: match[1] });
    else parts.push({ link: match[2]!, href: safeHref(match[3]!) });
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push({ text: text.slice(at) });
  return parts;
}

/** Articles link within cloudpass (a path) or to an https page; anything else is not a link. */
function safeHref(href: string): string {
  return /^\/(?!\/)/.test(href) || href.startsWith('https://') || href.startsWith('#') ? href : '#';
}

const anchorOf = (text: string) => text.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

export function inlineText(content: Inline[]): string {
  return content.map((part) => ('text' in part ? part.text : 'strong' in part ? part.strong : part.link)).join('');
}

/** The article's words, for the search index. */
export function plainText(article: HelpArticle): string {
  return article.blocks.map((block) => block.type === 'list'
    ? block.items.map(inlineText).join('\n')
    : inlineText(block.content)).join('\n');
}
