import type { FastifyInstance } from 'fastify';
import type { ModuleContext } from '../http/module-context.ts';
import { layoutAccount } from '../http/pages.tsx';
import { Actions, Card, LinkButton } from './components.tsx';
import { Layout } from './layout.tsx';
import { useT } from './page-env.ts';
import { sendPage } from './render.ts';

/** The start page: what to do with a pass code, in three steps, and where to go next. */
export function homePages(app: FastifyInstance, _context: ModuleContext) {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const account = layoutAccount(request);
    return sendPage(reply, <HomePage account={account} />);
  });
}

function HomePage(props: { account: ReturnType<typeof layoutAccount> }) {
  const { t } = useT();
  const { account } = props;
  return (
    <Layout title="cloudpass" account={account}>
      <h1>{t('home.title')}</h1>
      <p class="lead">{t('home.lead')}</p>
      <Actions>
        <LinkButton href="/redeem">{t('home.redeem')}</LinkButton>
        {account ? <LinkButton href="/portal" kind="secondary">{t('home.subscriptions')}</LinkButton> : null}
      </Actions>
      <Card title={t('home.how')}>
        <ol>
          <li><strong>{t('home.step1.title')}</strong> {t('home.step1.text')}</li>
          <li><strong>{t('home.step2.title')}</strong> {t('home.step2.text')}</li>
          <li><strong>{t('home.step3.title')}</strong> {t('home.step3.text')}</li>
        </ol>
      </Card>
    </Layout>
  );
}
