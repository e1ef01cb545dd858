// The help centre's pages, open to everyone: /help (search box and every article, in the order of the
// journey), /help/{slug} (one article) and /help/search?q= (results; /search?q= leads there). They are
// in the visitor's language, with English for an article that language lacks.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { layoutAccount } from '../../http/pages.tsx';
import { Card } from '../../web/components.tsx';
import { HELP_SEARCH_PATH, HelpSearchForm, helpPath } from '../../web/help-links.tsx';
import { Layout, type LayoutAccount } from '../../web/layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { Block, Inline } from './help-articles.ts';
import type { HelpArticle } from './help.service.ts';

const hidden = { hide: true } as const;
// Longer queries are accepted and cut by the search; only absurd ones are refused.
const SearchQuery = Type.Object({ q: Type.Optional(Type.String({ maxLength: 2000 })) });
const SlugParams = Type.Object({ slug: Type.String({ maxLength: 100 }) });

export async function helpPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { help } = context.services;

  pages.get('/help', { schema: hidden }, async (request, reply) => {
    const locale = request.pageEnv.i18n.locale;
    return sendPage(reply, <HelpIndexPage account={layoutAccount(request)} articles={help.list(locale)} />);
  });

  pages.get(HELP_SEARCH_PATH, { schema: { ...hidden, querystring: SearchQuery } }, async (request, reply) => {
    const locale = request.pageEnv.i18n.locale;
    const result = help.search(request.query.q ?? '', locale);
    return sendPage(reply, <SearchResultsPage account={layoutAccount(request)} query={result.query} articles={result.articles} />);
  });

  // The address people (and the seed page) expect; the results live with the help centre.
  pages.get('/search', { schema: { ...hidden, querystring: SearchQuery } }, async (request, reply) => {
    const q = request.query.q;
    return reply.redirect(q ? `${HELP_SEARCH_PATH}?q=${encodeURIComponent(q)}` : '/help', 302);
  });

  pages.get('/help/:slug', { schema: { ...hidden, params: SlugParams } }, async (request, reply) => {
    const locale = request.pageEnv.i18n.locale;
    const article = help.get(request.params.slug, locale);
    const others = help.list(locale).filter((a) => a.slug !== article.slug);
    return sendPage(reply, <ArticlePage account={layoutAccount(request)} article={article} others={others} />);
  });
}

// ---- pages -----------------------------------------------------------------------------------

function HelpIndexPage(props: { account: LayoutAccount | null; articles: HelpArticle[] }) {
  const { t } = useT();
  return (
    <Layout title={t('help.title')} account={props.account} search={false}>
      <h1>{t('help.title')}</h1>
      <p class="lead">{t('help.lead')}</p>
      <HelpSearchForm variant="page" />
      <h2 class="help-articles__title">{t('help.articles')}</h2>
      <ArticleList articles={props.articles} />
      <StillStuck />
    </Layout>
  );
}

function SearchResultsPage(props: { account: LayoutAccount | null; query: string; articles: HelpArticle[] }) {
  const { t } = useT();
  const { query, articles } = props;
  return (
    <Layout title={query ? t('help.results.titleFor', { query }) : t('help.results.title')} account={props.account} search={false}>
      <p class="breadcrumb"><a href="/help">{t('help.breadcrumb')}</a></p>
      <h1>{t('help.results.title')}</h1>
      <HelpSearchForm variant="page" query={query} />
      {query ? (
        <>
          <p class="help-results__count" role="status">{t('help.results.count', { count: articles.length, query })}</p>
          {articles.length > 0 ? <ArticleList articles={articles} /> : <p>{t('help.results.none')} <a href="/help">{t('help.results.all')}</a></p>}
        </>
      ) : <p class="muted">{t('help.results.empty')}</p>}
      <StillStuck />
    </Layout>
  );
}

function ArticlePage(props: { account: LayoutAccount | null; article: HelpArticle; others: HelpArticle[] }) {
  const { t } = useT();
  const { article } = props;
  return (
    <Layout title={article.title} account={props.account}>
      <p class="breadcrumb"><a href="/help">{t('help.breadcrumb')}</a></p>
      <article class="help-article" lang={article.locale}>
        <h1>{article.title}</h1>
        <p class="lead">{article.summary}</p>
        {article.blocks.map((block) => <ArticleBlock block={block} />)}
      </article>
      <StillStuck />
      <nav class="help-more" aria-labelledby="help-more-title">
        <h2 id="help-more-title" class="help-more__title">{t('help.more')}</h2>
        <ul class="help-more__list">
          {props.others.map((other) => <li><a href={helpPath(other.slug)}>{other.title}</a></li>)}
        </ul>
      </nav>
    </Layout>
  );
}

function ArticleList(props: { articles: HelpArticle[] }) {
  return (
    <ul class="help-articles">
      {props.articles.map((article) => (
        <li class="help-articles__item">
          <a class="help-articles__link" href={helpPath(article.slug)} lang={article.locale}>{article.title}</a>
          <p class="help-articles__summary">{article.summary}</p>
        </li>
      ))}
    </ul>
  );
}

function StillStuck() {
  const { t } = useT();
  return (
    <Card title={t('help.stuck.title')} class="help-stuck">
      <p>{t('help.stuck.text')} <a href="/support/new">{t('layout.footer.support')}</a></p>
    </Card>
  );
}

function ArticleBlock(props: { block: Block }) {
  const { block } = props;
  switch (block.type) {
    case 'heading':
      return block.level === 2
        ? <h2 id={block.id}><Inlines content={block.content} /></h2>
        : <h3 id={block.id}><Inlines content={block.content} /></h3>;
    case 'paragraph':
      return <p><Inlines content={block.content} /></p>;
    case 'list': {
      const items = block.items.map((item) => <li><Inlines content={item} /></li>);
      return block.ordered ? <ol>{items}</ol> : <ul>{items}</ul>;
    }
  }
}

function Inlines(props: { content: Inline[] }) {
  return (
    <>
      {props.content.map((part) => ('text' in part ? part.text : 'strong' in part ? <strong>{part.strong}</strong> : <a href={part.href}>{part.link}</a>))}
    </>
  );
}
