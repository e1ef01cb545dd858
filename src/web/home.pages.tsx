import type { FastifyInstance } from 'fastify';
import type { ModuleContext } from '../http/module-context.ts';
import { layoutAccount } from '../http/pages.tsx';
import { Actions, Card, LinkButton } from './components.tsx';
import { Layout } from './layout.tsx';
import { sendPage } from './render.ts';

/** The start page: what to do with a pass code, in three steps, and where to go next. */
export function homePages(app: FastifyInstance, _context: ModuleContext) {
  app.get('/', { schema: { hide: true } }, async (request, reply) => {
    const account = layoutAccount(request);
    return sendPage(reply, (
      <Layout title="cloudpass" account={account}>
        <h1>Redeem your cloud pass</h1>
        <p class="lead">Got a promo code on a slip of paper or in an email? Turn it into a cloud subscription with credit in a few minutes, on any device.</p>
        <Actions>
          <LinkButton href="/redeem">Redeem a pass</LinkButton>
          {account ? <LinkButton href="/portal" kind="secondary">Your subscriptions</LinkButton> : null}
        </Actions>
        <Card title="How it works">
          <ol>
            <li><strong>Enter your code.</strong> Pick your country and type the code as printed; typos are caught straight away.</li>
            <li><strong>Sign in or create an account.</strong> A personal account, or your organization's work or school account. Your code waits for you.</li>
            <li><strong>Activate.</strong> Confirm your details and your subscription is set up. You can close the page: we email you when it is ready.</li>
          </ol>
        </Card>
      </Layout>
    ));
  });
}
