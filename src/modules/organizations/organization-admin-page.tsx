// The organization admin's page (/organization): members, domains and the sign-in provider on one page.
// Each of its forms posts to its sub-domain's pages (members.pages.tsx, domains.pages.tsx, oidc.pages.tsx),
// which show this page again with that form's refusal beside its fields and what was typed kept.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleContext } from '../../http/module-context.ts';
import type { FormRefusal } from '../../http/form-errors.ts';
import type { PageContext } from '../../http/pages.tsx';
import {
  Actions, Alert, Badge, Button, Card, CountrySelect, Form, SelectField, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { useT } from '../../web/page-env.ts';
import { noticeText } from '../../i18n/error-text.ts';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from '../accounts/account-view.ts';
import type { Session } from '../sessions/sessions.service.ts';
import type { DomainView, MemberView, OrganizationView } from './organization-view.ts';
import { viewerOf } from './organizations.routes.ts';

export interface FormState {
  values?: Record<string, string>;
  errors?: FieldErrors;
  problem?: string;
}

/** Which form on the organization page failed, so only that one shows its errors. */
export interface AdminForms {
  member?: FormState;
  domain?: FormState;
  oidc?: FormState;
  general?: string;
}

/** A refused form, shown again with what was typed. */
export const formState = (refusal: FormRefusal, values?: Record<string, string>): FormState =>
  ({ values, errors: refusal.fields, problem: refusal.message });

export interface AdminPage {
  ctx: PageContext;
  account: AccountView;
  organizationId: string;
}

export function createAdminPage(context: ModuleContext) {
  const { organizations, organizationMembers, organizationSignIn, sessions } = context.services;

  /** The signed-in admin's organization, or a page saying why not (and undefined). */
  async function open(request: FastifyRequest, reply: FastifyReply): Promise<AdminPage | undefined> {
    const ctx = await context.pages.pageContext(request, reply);
    const account = request.account;
    if (!account) {
      await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo: '/organization' });
      reply.redirect('/signin', 303);
      return undefined;
    }
    const organizationId = account.organization?.id;
    if (account.kind !== 'organizational' || !organizationId || account.organizationRole !== 'admin') {
      sendPage(reply, <NotAnAdminPage ctx={ctx} account={account} />, 403);
      return undefined;
    }
    return { ctx, account, organizationId };
  }

  async function render(request: FastifyRequest, reply: FastifyReply, page: AdminPage, forms: AdminForms = {}, status = 200) {
    const viewer = viewerOf(request);
    const [organization, members] = await Promise.all([
      organizations.getOrganization(page.organizationId, viewer),
      organizationMembers.listMembers(page.organizationId, viewer),
    ]);
    const notice = status === 200 ? await takeNotice(page.ctx.session) : undefined;
    return sendPage(reply, (
      <OrganizationPage ctx={page.ctx} me={page.account} organization={organization} members={members} forms={forms} notice={notice}
        redirectUri={organizationSignIn.redirectUri} />
    ), status);
  }

  async function takeNotice(session: Session): Promise<string | undefined> {
    const { notice, ...rest } = session.data;
    if (notice === undefined) return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  /** Back to the organization page, which shows the notice once. */
  async function redirectWithNotice(reply: FastifyReply, ctx: PageContext, notice: string) {
    await sessions.saveData(ctx.session, { ...ctx.session.data, notice });
    return reply.redirect('/organization', 303);
  }

  return { open, render, redirectWithNotice };
}

// ---- views ------------------------------------------------------------------------------------

function NotAnAdminPage(props: { ctx: PageContext; account: AccountView }) {
  const { t } = useT();
  const { ctx, account } = props;
  return (
    <Page ctx={ctx} title={t('orgs.page.eyebrow')}>
      <h1>{t('orgs.page.eyebrow')}</h1>
      {account.kind === 'organizational' && account.organization ? (
        <Alert kind="info" title={t('orgs.notAdmin.memberTitle', { organization: account.organization.name })}>
          <p>{t('orgs.notAdmin.memberText', { organization: account.organization.name })}</p>
        </Alert>
      ) : (
        <Alert kind="info" title={t('orgs.notAdmin.personalTitle')}>
          <p>{t('orgs.notAdmin.personalText')}</p>
        </Alert>
      )}
      <p><a href="/account/type">{t('orgs.whichAccount')}</a></p>
      {account.kind === 'personal' ? <p><a href="/signup/organization">{t('orgs.create.title')}</a></p> : null}
    </Page>
  );
}

function OrganizationPage(props: {
  ctx: PageContext; me: AccountView; organization: OrganizationView; members: MemberView[]; forms: AdminForms; notice?: string; redirectUri: string;
}) {
  const i18n = useT();
  const { t } = i18n;
  const { ctx, me, organization, members, forms } = props;
  const admins = members.filter((m) => m.role === 'admin').length;
  return (
    <Page ctx={ctx} title={organization.name} width="wide">
      <div class="org-heading">
        <p class="org-heading__eyebrow">{t('orgs.page.eyebrow')}</p>
        <h1 class="org-heading__title">{organization.name}</h1>
        <p class="muted">{t('orgs.page.counts', { members: members.length, admins })}</p>
      </div>
      {props.notice ? <Alert kind="success">{noticeText(i18n, props.notice)}</Alert> : null}
      {forms.general ? <Alert kind="error" title={t('orgs.page.didNotWork')}>{forms.general}</Alert> : null}
      {me.emailVerified ? null : (
        <Alert kind="info" title={t('orgs.page.verifyTitle')}>{t('orgs.page.verifyText', { email: me.email })}</Alert>
      )}
      <div class="org-layout">
        <Card title={t('orgs.members.title')} class="org-layout__main">
          <ul class="member-list" aria-label={t('orgs.members.title')}>
            {members.map((member) => <MemberItem ctx={ctx} member={member} me={me} lastAdmin={member.role === 'admin' && admins <= 1} />)}
          </ul>
        </Card>
        <Card title={t('orgs.members.addTitle')} class="org-layout__side">
          <AddMemberForm ctx={ctx} state={forms.member} />
        </Card>
      </div>
      <div class="grid grid--2">
        <Card title={t('orgs.domains.title')}>
          <DomainsSection ctx={ctx} domains={organization.domains} state={forms.domain} />
        </Card>
        <Card title={t('orgs.oidc.title')}>
          <OidcSection ctx={ctx} organization={organization} redirectUri={props.redirectUri} state={forms.oidc} />
        </Card>
      </div>
    </Page>
  );
}

function MemberItem(props: { ctx: PageContext; member: MemberView; me: AccountView; lastAdmin: boolean }) {
  const { t, country } = useT();
  const { ctx, member, me } = props;
  const isMe = member.id === me.id;
  const nameId = `member-${member.id}-name`;
  return (
    <li class="member">
      <div class="member__who">
        <span class="member__avatar" aria-hidden="true">{member.displayName.trim().charAt(0).toUpperCase() || '?'}</span>
        <div class="member__text">
          <p class="member__name" id={nameId}>{member.displayName}{isMe ? <span class="muted"> {t('orgs.members.you')}</span> : null}</p>
          <p class="member__email">{member.email}</p>
          <p class="member__badges">
            <Badge status={member.role === 'admin' ? 'admin' : 'member'} label={member.role === 'admin' ? t('orgs.role.admin') : t('orgs.role.member')} />
            {member.status === 'invited' ? <Badge status="invited" label={t('orgs.members.invited')} /> : null}
            <span class="small muted">{country(member.country)}</span>
          </p>
        </div>
      </div>
      {isMe ? null : (
        <div class="member__actions">
          {props.lastAdmin ? null : (
            <form method="post" action={`/organization/members/${encodeURIComponent(member.id)}/role`}>
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <input type="hidden" name="role" value={member.role === 'admin' ? 'member' : 'admin'} />
              <button class="button button--secondary button--small" type="submit" aria-describedby={nameId}>
                {member.role === 'admin' ? t('orgs.members.makeMember') : t('orgs.members.makeAdmin')}
              </button>
            </form>
          )}
          {props.lastAdmin ? null : (
            <a class="button button--secondary button--small member__remove" href={`/organization/members/${encodeURIComponent(member.id)}/remove`} aria-describedby={nameId}>{t('orgs.members.remove')}</a>
          )}
        </div>
      )}
    </li>
  );
}

function AddMemberForm(props: { ctx: PageContext; state?: FormState }) {
  const { t } = useT();
  const { ctx, state = {} } = props;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  return (
    <Form action="/organization/members" csrfToken={ctx.csrfToken} aria-label={t('orgs.members.addTitle')}>
      <p class="small muted">{t('orgs.members.addHint')}</p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <TextField name="email" label={t('orgs.field.email')} type="email" autocomplete="off" value={values.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
      <TextField name="displayName" label={t('orgs.field.displayName')} autocomplete="off" value={values.displayName} error={errors.displayName} required maxLength={100} />
      <CountrySelect value={values.country?.trim().toUpperCase()} error={errors.country} required autocomplete="off" />
      <SelectField name="role" label={t('orgs.members.role')} value={values.role || 'member'} error={errors.role}
        options={[{ value: 'member', label: t('orgs.role.member') }, { value: 'admin', label: t('orgs.members.roleAdminOption') }]} />
      <Actions><Button>{t('orgs.members.add')}</Button></Actions>
    </Form>
  );
}

function DomainsSection(props: { ctx: PageContext; domains: DomainView[]; state?: FormState }) {
  const { t } = useT();
  const { ctx, domains, state = {} } = props;
  const errors = state.errors ?? {};
  return (
    <>
      <p class="small muted">{t('orgs.domains.intro')}</p>
      {state.problem && !errors.domain ? <Alert kind="error" title={t('orgs.domains.notVerifiedTitle')}>{state.problem}</Alert> : null}
      {domains.length === 0 ? <p>{t('orgs.domains.none')}</p> : (
        <ul class="domain-list" aria-label={t('orgs.domains.title')}>
          {domains.map((d) => (
            <li class="domain">
              <p class="domain__name">
                <span class="mono">{d.domain}</span>{' '}
                {d.verified ? <Badge status="verified" label={t('orgs.domains.verified')} /> : <Badge status="unverified" label={t('orgs.domains.unverified')} />}
              </p>
              {d.verified ? null : (
                <>
                  <p class="small">{t('orgs.domains.publish')}</p>
                  <dl class="dns-record">
                    <div><dt>{t('orgs.domains.recordType')}</dt><dd class="mono">TXT</dd></div>
                    {/* Machine text, in no language (zxx): read out as it is written. */}
                    <div><dt>{t('orgs.domains.recordName')}</dt><dd class="mono" lang="zxx">{d.dnsRecord.name}</dd></div>
                    <div><dt>{t('orgs.domains.recordValue')}</dt><dd class="mono" lang="zxx">{d.dnsRecord.value}</dd></div>
                  </dl>
                </>
              )}
              <div class="domain__actions">
                {d.verified ? null : (
                  <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/verify`}>
                    <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                    <button class="button button--primary button--small" type="submit" aria-label={t('orgs.domains.verifyNamed', { domain: d.domain })}>{t('orgs.domains.verify')}</button>
                  </form>
                )}
                <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/remove`}>
                  <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                  <button class="button button--secondary button--small" type="submit" aria-label={t('orgs.domains.removeNamed', { domain: d.domain })}>{t('orgs.domains.remove')}</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Form action="/organization/domains" csrfToken={ctx.csrfToken} aria-label={t('orgs.domains.addTitle')}>
        <TextField name="domain" label={t('orgs.domains.domain')} value={state.values?.domain} error={errors.domain} required maxLength={253}
          autoCapitalize="none" spellcheck={false} inputMode="url" hint={t('orgs.domains.domainHint')} />
        <Actions><Button kind="secondary">{t('orgs.domains.add')}</Button></Actions>
      </Form>
    </>
  );
}

function OidcSection(props: { ctx: PageContext; organization: OrganizationView; redirectUri: string; state?: FormState }) {
  const { t } = useT();
  const { ctx, organization, state = {} } = props;
  const oidc = organization.oidc;
  const errors = state.errors ?? {};
  const values = state.values ?? { issuer: oidc?.issuer ?? '', clientId: oidc?.clientId ?? '' };
  return (
    <>
      <p class="small muted">{t('orgs.oidc.intro')}</p>
      {oidc ? (
        <dl class="summary-list">
          <div><dt>{t('orgs.oidc.status')}</dt><dd><Badge status="active" label={t('orgs.oidc.on')} /></dd></div>
          <div><dt>{t('orgs.oidc.signInLink')}</dt><dd><a href={oidc.signInUrl} class="mono break-all">{oidc.signInUrl}</a></dd></div>
          <div><dt>{t('orgs.oidc.clientSecret')}</dt><dd>{t('orgs.oidc.secretStored')}</dd></div>
        </dl>
      ) : null}
      <p class="small">{t('orgs.oidc.redirectUri')}<span class="mono break-all org-uri">{props.redirectUri}</span></p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <Form action="/organization/oidc" csrfToken={ctx.csrfToken} aria-label={t('orgs.oidc.formLabel')}>
        <TextField name="issuer" label={t('orgs.oidc.issuer')} type="url" value={values.issuer} error={errors.issuer} required maxLength={1000}
          autoCapitalize="none" spellcheck={false} hint={t('orgs.oidc.issuerHint')} />
        <TextField name="clientId" label={t('orgs.oidc.clientId')} value={values.clientId} error={errors.clientId} required maxLength={255} autoCapitalize="none" spellcheck={false} />
        <TextField name="clientSecret" label={t('orgs.oidc.clientSecret')} type="password" autocomplete="off" error={errors.clientSecret} required={!oidc} maxLength={1000}
          hint={oidc ? t('orgs.oidc.keepSecret') : undefined} />
        <Actions><Button>{t('orgs.oidc.save')}</Button></Actions>
      </Form>
      {oidc ? (
        <form method="post" action="/organization/oidc/remove" class="org-inline-form">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button class="link-button" type="submit">{t('orgs.oidc.turnOff')}</button>
        </form>
      ) : null}
    </>
  );
}

