// Pages: the organization admin adds, verifies and removes email domains (forms on the organization page).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { formBody, formValue } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { createAdminPage, formState } from './organization-admin-page.tsx';
import { viewerOf } from './organizations.routes.ts';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const DomainParams = Type.Object({ domain: SingleLineText({ maxLength: 300 }) });
const DomainForm = formBody(['domain']);

export async function domainPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizationDomains: domains } = context.services;
  const adminPage = createAdminPage(context);

  pages.post('/organization/domains', { schema: { ...hidden, body: DomainForm } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    const values = { domain: formValue(request.body, 'domain') };
    try {
      const domain = await domains.addDomain(page.organizationId, values.domain, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.domains.addedNotice', { domain: domain.domain }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { domain: formState(refusal, values) }, refusal.status);
    }
  });

  pages.post('/organization/domains/:domain/verify', { schema: { ...hidden, params: DomainParams, body: formBody() } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    try {
      const domain = await domains.verifyDomain(page.organizationId, request.params.domain, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.domains.verifiedNotice', { domain: domain.domain }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { domain: { problem: refusal.message } }, refusal.status);
    }
  });

  pages.post('/organization/domains/:domain/remove', { schema: { ...hidden, params: DomainParams, body: formBody() } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    try {
      await domains.removeDomain(page.organizationId, request.params.domain, viewerOf(request), actorOf(request));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      // Removed already (another tab, another admin): what was asked for is done.
      if (refusal.code !== 'not_found') return adminPage.render(request, reply, page, { general: refusal.message }, refusal.status);
    }
    return adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.domains.removedNotice'));
  });
}
