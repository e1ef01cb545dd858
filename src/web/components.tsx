import type { ComponentChildren } from 'preact';
import { useT } from './page-env.ts';

/** Field name → message; the keys are the names of the inputs they belong to. */
export type FieldErrors = Partial<Record<string, string>>;

export interface SelectOption {
  value: string;
  label: string;
}

/** The id a field's input gets from its name; error summaries link to it. */
export function fieldId(name: string): string {
  return `field-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

function classes(...names: Array<string | false | null | undefined>): string {
  return names.filter(Boolean).join(' ');
}

// ---- forms ----------------------------------------------------------------

export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}

export interface FormProps {
  action: string;
  csrfToken?: string;
  method?: 'post' | 'get';
  id?: string;
  class?: string;
  'aria-label'?: string;
  children?: ComponentChildren;
}

export function Form(props: FormProps) {
  const method = props.method ?? 'post';
  return (
    <form method={method} action={props.action} id={props.id} class={classes('form', props.class)} aria-label={props['aria-label']}>
      {props.csrfToken && method === 'post' ? <CsrfField token={props.csrfToken} /> : null}
      {props.children}
    </form>
  );
}

interface FieldBase {
  name: string;
  label: string;
  id?: string;
  error?: string | null;
  hint?: ComponentChildren;
  required?: boolean;
}

interface FieldWiring {
  id: string;
  hintId: string;
  errorId: string;
  describedBy: string | undefined;
  invalid: 'true' | undefined;
}

function wiring(props: FieldBase): FieldWiring {
  const id = props.id ?? fieldId(props.name);
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [props.hint ? hintId : null, props.error ? errorId : null].filter(Boolean).join(' ');
  return { id, hintId, errorId, describedBy: describedBy || undefined, invalid: props.error ? 'true' : undefined };
}

/** Label, hint and error around one control; the error sits right above the control it is about. */
function Field(props: FieldBase & { wiring: FieldWiring; children: ComponentChildren }) {
  const { wiring: w } = props;
  return (
    <div class={classes('field', props.error && 'field--error')}>
      <label class="field__label" for={w.id}>{props.label}</label>
      {props.hint ? <p class="field__hint" id={w.hintId}>{props.hint}</p> : null}
      {props.error ? (
        <p class="field__error" id={w.errorId}>
          <span class="visually-hidden">{useT().t('form.errorPrefix')} </span>
          {props.error}
        </p>
      ) : null}
      {props.children}
    </div>
  );
}

export interface TextFieldProps extends FieldBase {
  type?: 'text' | 'email' | 'password' | 'tel' | 'url' | 'search' | 'number' | 'date';
  value?: string | number | null;
  autocomplete?: string;
  inputMode?: 'none' | 'text' | 'tel' | 'url' | 'email' | 'numeric' | 'decimal' | 'search';
  autoCapitalize?: 'off' | 'none' | 'on' | 'sentences' | 'words' | 'characters';
  spellcheck?: boolean;
  maxLength?: number;
  /** 'code': monospace and spaced out, for promo codes and other typed identifiers. */
  variant?: 'code';
}

export function TextField(props: TextFieldProps) {
  const w = wiring(props);
  const type = props.type ?? 'text';
  // A password is never sent back into the page.
  const value = type === 'password' ? undefined : (props.value ?? undefined);
  return (
    <Field {...props} wiring={w}>
      <input
        class={classes('input', props.variant === 'code' && 'input--code')}
        id={w.id}
        name={props.name}
        // Preact types each input type apart; a union of them does not fit any one member.
        // oxlint-disable-next-line typescript/no-unnecessary-type-assertion -- tsc needs it (TS2322 without), tsgolint misreads the union
        type={type as 'text'}
        value={value}
        required={props.required}
        autocomplete={props.autocomplete}
        inputmode={props.inputMode}
        autocapitalize={props.autoCapitalize}
        spellcheck={props.spellcheck}
        maxLength={props.maxLength}
        aria-describedby={w.describedBy}
        aria-invalid={w.invalid}
      />
    </Field>
  );
}

export interface TextAreaFieldProps extends FieldBase {
  value?: string | null;
  rows?: number;
  maxLength?: number;
}

export function TextAreaField(props: TextAreaFieldProps) {
  const w = wiring(props);
  return (
    <Field {...props} wiring={w}>
      <textarea
        class="input textarea"
        id={w.id}
        name={props.name}
        rows={props.rows ?? 6}
        required={props.required}
        maxLength={props.maxLength}
        aria-describedby={w.describedBy}
        aria-invalid={w.invalid}
      >
        {props.value ?? ''}
      </textarea>
    </Field>
  );
}

export interface SelectFieldProps extends FieldBase {
  options: readonly SelectOption[];
  value?: string | null;
  /** Text of a first, empty option ("Select a country"); with `required`, the browser insists on a choice. */
  placeholder?: string;
  autocomplete?: string;
}

export function SelectField(props: SelectFieldProps) {
  const w = wiring(props);
  const selected = props.value ?? '';
  return (
    <Field {...props} wiring={w}>
      <select
        class="input select"
        id={w.id}
        name={props.name}
        required={props.required}
        autocomplete={props.autocomplete}
        aria-describedby={w.describedBy}
        aria-invalid={w.invalid}
      >
        {props.placeholder !== undefined ? <option value="" selected={selected === ''}>{props.placeholder}</option> : null}
        {props.options.map((o) => (
          <option value={o.value} selected={o.value === selected}>{o.label}</option>
        ))}
      </select>
    </Field>
  );
}

export interface CountrySelectProps extends Omit<SelectFieldProps, 'name' | 'label' | 'options'> {
  name?: string;
  label?: string;
  /** Limit the list, e.g. to a campaign's eligible countries; null or absent means all. */
  only?: readonly string[] | null;
}

/** Countries named and sorted in the page's language. */
export function CountrySelect({ only, name = 'country', label, ...rest }: CountrySelectProps) {
  const i18n = useT();
  const allowed = only ? new Set(only) : null;
  const options = i18n.countries()
    .filter((c) => !allowed || allowed.has(c.code))
    .map((c) => ({ value: c.code, label: c.name }));
  return (
    <SelectField placeholder={i18n.t('form.selectCountry')} autocomplete="country" {...rest} name={name} label={label ?? i18n.t('form.country')} options={options} />
  );
}

export function FormErrorSummary(props: { errors: FieldErrors; title?: string }) {
  const entries = Object.entries(props.errors).filter((e): e is [string, string] => Boolean(e[1]));
  if (entries.length === 0) return null;
  return (
    // Focused on load, so keyboard and screen reader users start at the list of what to fix.
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex={-1} autofocus>
      <h2 class="error-summary__title" id="error-summary-title">{props.title ?? useT().t('form.errorSummary')}</h2>
      <ul class="error-summary__list">
        {entries.map(([name, message]) => (
          <li><a href={`#${fieldId(name)}`}>{message}</a></li>
        ))}
      </ul>
    </div>
  );
}

// ---- actions --------------------------------------------------------------

export type ButtonKind = 'primary' | 'secondary' | 'danger';

export interface ButtonProps {
  kind?: ButtonKind;
  type?: 'submit' | 'button' | 'reset';
  name?: string;
  value?: string;
  formAction?: string;
  children?: ComponentChildren;
}

export function Button(props: ButtonProps) {
  return (
    <button
      class={`button button--${props.kind ?? 'primary'}`}
      type={props.type ?? 'submit'}
      name={props.name}
      value={props.value}
      formAction={props.formAction}
    >
      {props.children}
    </button>
  );
}

/** A link that looks like a button ("Go to portal", "Add subscription"): it navigates, it does not submit. */
export function LinkButton(props: { href: string; kind?: ButtonKind; children?: ComponentChildren }) {
  return <a class={`button button--${props.kind ?? 'primary'}`} href={props.href}>{props.children}</a>;
}

/** Buttons at the end of a form: stacked full width on a phone, in a row on wider screens. */
export function Actions(props: { children?: ComponentChildren }) {
  return <div class="actions">{props.children}</div>;
}

// ---- content --------------------------------------------------------------

export type AlertKind = 'error' | 'success' | 'info';

export function Alert(props: { kind: AlertKind; title?: string; children?: ComponentChildren }) {
  // Errors interrupt (alert); good news and information wait their turn (status).
  const role = props.kind === 'error' ? 'alert' : 'status';
  return (
    <div class={`alert alert--${props.kind}`} role={role}>
      {props.title ? <p class="alert__title">{props.title}</p> : null}
      {props.children ? <div class="alert__body">{props.children}</div> : null}
    </div>
  );
}

export function Card(props: { title?: string; headingLevel?: 2 | 3; class?: string; children?: ComponentChildren }) {
  const Heading = props.headingLevel === 3 ? 'h3' : 'h2';
  return (
    <section class={classes('card', props.class)}>
      {props.title ? <Heading class="card__title">{props.title}</Heading> : null}
      {props.children}
    </section>
  );
}

function humanize(word: string): string {
  const spaced = word.replace(/[-_]+/g, ' ');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** A status in words with its colour, e.g. `<Badge status="provisioning" />` → "Provisioning". */
export function Badge(props: { status: string; label?: string }) {
  const modifier = props.status.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return <span class={`badge badge--${modifier}`}>{props.label ?? humanize(props.status)}</span>;
}

/** A progress indicator for a multi-step flow; `current` is the 0-based index of the step shown. */
export function Steps(props: { steps: readonly string[]; current: number; label?: string }) {
  const { t } = useT();
  return (
    <ol class="steps" aria-label={props.label ?? t('steps.label')}>
      {props.steps.map((step, i) => {
        const state = i < props.current ? 'done' : i === props.current ? 'current' : 'todo';
        return (
          <li class={`steps__item steps__item--${state}`} aria-current={state === 'current' ? 'step' : undefined}>
            <span class="steps__marker" aria-hidden="true">{state === 'done' ? '✓' : i + 1}</span>
            <span class="steps__label">
              {step}
              {state === 'done' ? <span class="visually-hidden"> {t('steps.done')}</span> : null}
            </span>
          </li>
        );
      })}
    </ol>
  );
}

/** Wraps a table so it scrolls sideways on a phone; focusable so keyboard users can scroll it too. */
export function TableWrap(props: { label: string; children?: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={props.label} tabindex={0}>
      {props.children}
    </div>
  );
}

// ---- money ----------------------------------------------------------------

export interface MoneyValue {
  amount: number;
  currency: string;
}

// ISO 4217 minor units that are not 2. ICU's own digits differ for some (IQD, HUF, ISK…), and the
// amounts we store follow ISO, so the table decides.
const minorUnits: Readonly<Record<string, number>> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0,
  UGX: 0, UYI: 0, VND: 0, VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Digits after the decimal point in the currency's minor unit (USD 2, JPY 0, BHD 3). */
export function currencyDigits(currency: string): number {
  return minorUnits[currency.toUpperCase()] ?? 2;
}

export function formatMoney(money: MoneyValue, locale = 'en'): string {
  const digits = currencyDigits(money.currency);
  const major = money.amount / 10 ** digits;
  try {
    const format = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: money.currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    return format.format(major);
  } catch {
    return `${major.toFixed(digits)} ${money.currency}`;
  }
}

/** An amount in the page's language unless a locale is given. */
export function Money(props: MoneyValue & { locale?: string }) {
  const locale = useT().locale;
  return <span class="money">{formatMoney(props, props.locale ?? locale)}</span>;
}

