// The organization admin's page (/organization): members, domains and the sign-in provider on one page.
// Each of its forms posts to its sub-domain's pages (members.pages.tsx, domains.pages.tsx, oidc.pages.tsx),
// which show this page again with that form's refusal beside its fields and what was typed kept.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ModuleContext } from '../../http/module-context.ts';
import type { FormRefusal } from '../../http/form-errors.ts';
import type { PageContext } from '../../http/pages.tsx';
import { countryName } from '../../lib/countries.ts';
import {
  Actions, Alert, Badge, Button, Card, CountrySelect, Form, SelectField, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
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
  const { ctx, account } = props;
  return (
    <Page ctx={ctx} title="Organization">
      <h1>Organization</h1>
      {account.kind === 'organizational' && account.organization ? (
        <Alert kind="info" title={`You are a member of ${account.organization.name}.`}>
          <p>Only admins of {account.organization.name} manage its members and sign-in. Ask one of them for help.</p>
        </Alert>
      ) : (
        <Alert kind="info" title="You are signed in with a personal account.">
          <p>Organization pages are for the admins of an organization, signed in with their work or school account.</p>
        </Alert>
      )}
      <p><a href="/account/type">Which account am I using?</a></p>
      {account.kind === 'personal' ? <p><a href="/signup/organization">Create an organization</a></p> : null}
    </Page>
  );
}

function OrganizationPage(props: {
  ctx: PageContext; me: AccountView; organization: OrganizationView; members: MemberView[]; forms: AdminForms; notice?: string; redirectUri: string;
}) {
  const { ctx, me, organization, members, forms } = props;
  const admins = members.filter((m) => m.role === 'admin').length;
  return (
    <Page ctx={ctx} title={organization.name} width="wide">
      <div class="org-heading">
        <p class="org-heading__eyebrow">Organization</p>
        <h1 class="org-heading__title">{organization.name}</h1>
        <p class="muted">{members.length === 1 ? '1 member' : `${members.length} members`} · {admins === 1 ? '1 admin' : `${admins} admins`}</p>
      </div>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {forms.general ? <Alert kind="error" title="That did not work">{forms.general}</Alert> : null}
      {me.emailVerified ? null : (
        <Alert kind="info" title="Verify your email">We sent a link to {me.email}. Open it to verify your email address.</Alert>
      )}
      <div class="org-layout">
        <Card title="Members" class="org-layout__main">
          <ul class="member-list" aria-label="Members">
            {members.map((member) => <MemberItem ctx={ctx} member={member} me={me} lastAdmin={member.role === 'admin' && admins <= 1} />)}
          </ul>
        </Card>
        <Card title="Add a member" class="org-layout__side">
          <AddMemberForm ctx={ctx} state={forms.member} />
        </Card>
      </div>
      <div class="grid grid--2">
        <Card title="Domains">
          <DomainsSection ctx={ctx} domains={organization.domains} state={forms.domain} />
        </Card>
        <Card title="Sign-in with your identity provider">
          <OidcSection ctx={ctx} organization={organization} redirectUri={props.redirectUri} state={forms.oidc} />
        </Card>
      </div>
    </Page>
  );
}

function MemberItem(props: { ctx: PageContext; member: MemberView; me: AccountView; lastAdmin: boolean }) {
  const { ctx, member, me } = props;
  const isMe = member.id === me.id;
  const nameId = `member-${member.id}-name`;
  return (
    <li class="member">
      <div class="member__who">
        <span class="member__avatar" aria-hidden="true">{member.displayName.trim().charAt(0).toUpperCase() || '?'}</span>
        <div class="member__text">
          <p class="member__name" id={nameId}>{member.displayName}{isMe ? <span class="muted"> (you)</span> : null}</p>
          <p class="member__email">{member.email}</p>
          <p class="member__badges">
            <Badge status={member.role === 'admin' ? 'admin' : 'member'} label={member.role === 'admin' ? 'Admin' : 'Member'} />
            {member.status === 'invited' ? <Badge status="invited" label="Invited" /> : null}
            <span class="small muted">{countryName(member.country)}</span>
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
                {member.role === 'admin' ? 'Make member' : 'Make admin'}
              </button>
            </form>
          )}
          {props.lastAdmin ? null : (
            <a class="button button--secondary button--small member__remove" href={`/organization/members/${encodeURIComponent(member.id)}/remove`} aria-describedby={nameId}>Remove</a>
          )}
        </div>
      )}
    </li>
  );
}

function AddMemberForm(props: { ctx: PageContext; state?: FormState }) {
  const { ctx, state = {} } = props;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  return (
    <Form action="/organization/members" csrfToken={ctx.csrfToken} aria-label="Add a member">
      <p class="small muted">We email them an invitation to set a password. The link works for 7 days.</p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <TextField name="email" label="Email" type="email" autocomplete="off" value={values.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
      <TextField name="displayName" label="Display name" autocomplete="off" value={values.displayName} error={errors.displayName} required maxLength={100} />
      <CountrySelect value={values.country?.trim().toUpperCase()} error={errors.country} required autocomplete="off" />
      <SelectField name="role" label="Role" value={values.role || 'member'} error={errors.role}
        options={[{ value: 'member', label: 'Member' }, { value: 'admin', label: 'Admin (manages members and sign-in)' }]} />
      <Actions><Button>Add member</Button></Actions>
    </Form>
  );
}

function DomainsSection(props: { ctx: PageContext; domains: DomainView[]; state?: FormState }) {
  const { ctx, domains, state = {} } = props;
  const errors = state.errors ?? {};
  return (
    <>
      <p class="small muted">People whose email is at a verified domain can join your organization the first time they sign in through your identity provider.</p>
      {state.problem && !errors.domain ? <Alert kind="error" title="The domain is not verified yet">{state.problem}</Alert> : null}
      {domains.length === 0 ? <p>No domains yet.</p> : (
        <ul class="domain-list" aria-label="Domains">
          {domains.map((d) => (
            <li class="domain">
              <p class="domain__name">
                <span class="mono">{d.domain}</span>{' '}
                {d.verified ? <Badge status="verified" label="Verified" /> : <Badge status="unverified" label="Not verified" />}
              </p>
              {d.verified ? null : (
                <>
                  <p class="small">Publish this DNS record, then choose Verify:</p>
                  <dl class="dns-record">
                    <div><dt>Type</dt><dd class="mono">TXT</dd></div>
                    <div><dt>Name</dt><dd class="mono">{d.dnsRecord.name}</dd></div>
                    <div><dt>Value</dt><dd class="mono">{d.dnsRecord.value}</dd></div>
                  </dl>
                </>
              )}
              <div class="domain__actions">
                {d.verified ? null : (
                  <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/verify`}>
                    <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                    <button class="button button--primary button--small" type="submit" aria-label={`Verify ${d.domain}`}>Verify</button>
                  </form>
                )}
                <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/remove`}>
                  <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                  <button class="button button--secondary button--small" type="submit" aria-label={`Remove ${d.domain}`}>Remove</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Form action="/organization/domains" csrfToken={ctx.csrfToken} aria-label="Add a domain">
        <TextField name="domain" label="Domain" value={state.values?.domain} error={errors.domain} required maxLength={253}
          autoCapitalize="none" spellcheck={false} inputMode="url" hint="Such as example.com" />
        <Actions><Button kind="secondary">Add domain</Button></Actions>
      </Form>
    </>
  );
}

function OidcSection(props: { ctx: PageContext; organization: OrganizationView; redirectUri: string; state?: FormState }) {
  const { ctx, organization, state = {} } = props;
  const oidc = organization.oidc;
  const errors = state.errors ?? {};
  const values = state.values ?? { issuer: oidc?.issuer ?? '', clientId: oidc?.clientId ?? '' };
  return (
    <>
      <p class="small muted">Members sign in with your organization's OpenID Connect provider (such as Microsoft Entra ID, Google Workspace, Okta or Keycloak).</p>
      {oidc ? (
        <dl class="summary-list">
          <div><dt>Status</dt><dd><Badge status="active" label="On" /></dd></div>
          <div><dt>Sign-in link for members</dt><dd><a href={oidc.signInUrl} class="mono break-all">{oidc.signInUrl}</a></dd></div>
          <div><dt>Client secret</dt><dd>Stored encrypted; it is never shown again.</dd></div>
        </dl>
      ) : null}
      <p class="small">Register this redirect URI at your provider:<span class="mono break-all org-uri">{props.redirectUri}</span></p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <Form action="/organization/oidc" csrfToken={ctx.csrfToken} aria-label="Identity provider">
        <TextField name="issuer" label="Issuer URL" type="url" value={values.issuer} error={errors.issuer} required maxLength={1000}
          autoCapitalize="none" spellcheck={false} hint="Such as https://login.example.com. We check it when you save." />
        <TextField name="clientId" label="Client ID" value={values.clientId} error={errors.clientId} required maxLength={255} autoCapitalize="none" spellcheck={false} />
        <TextField name="clientSecret" label="Client secret" type="password" autocomplete="off" error={errors.clientSecret} required={!oidc} maxLength={1000}
          hint={oidc ? 'Leave empty to keep the stored secret.' : undefined} />
        <Actions><Button>Save provider</Button></Actions>
      </Form>
      {oidc ? (
        <form method="post" action="/organization/oidc/remove" class="org-inline-form">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button class="link-button" type="submit">Turn off sign-in with this provider</button>
        </form>
      ) : null}
    </>
  );
}

