// The recipient's view of a subscription's credit: what remains, what was used and any overage; a
// burn-down of the credit by day drawn on the server as SVG (no script, scaled to the screen), with a
// table of the same figures for screen readers; usage by meter; the forecast; and, once it has stopped,
// why, when it will be deleted and the download of its data.
import { useT } from '../../web/page-env.ts';
import type { SubscriptionView } from './subscriptions.service.ts';

export interface UsagePoint {
  key: string;
  amount: number;
}

export interface BurnDownDay {
  day: string;
  used: number;
  /** Credit left at the end of the day. */
  remaining: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** The chart shows at most this many days, the most recent. */
const MAX_DAYS = 120;

/**
 * Each day from the first (the start, or the first usage) to the last (today, or the end if earlier, or
 * the last usage if later), with its usage and the credit left at its end. Pure, for tests.
 */
export function burnDown(total: number, byDay: readonly UsagePoint[], from: string | null, to: string): BurnDownDay[] {
  const usage = new Map(byDay.map((p) => [p.key, p.amount]));
  const firstKey = [from?.slice(0, 10), byDay[0]?.key].filter((k): k is string => !!k).sort()[0] ?? to.slice(0, 10);
  const lastKey = [to.slice(0, 10), byDay.at(-1)?.key ?? ''].sort().at(-1)!;
  const days: BurnDownDay[] = [];
  let remaining = total;
  for (let t = Date.parse(`${firstKey}T00:00:00Z`); t <= Date.parse(`${lastKey}T00:00:00Z`); t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const used = usage.get(day) ?? 0;
    remaining -= used;
    days.push({ day, used, remaining });
  }
  return days.slice(-MAX_DAYS);
}

const W = 340;
const H = 180;
const PAD = { left: 8, right: 8, top: 22, bottom: 26 };

/** The burn-down as an SVG line of the credit left, with the start and today named along the bottom. */
function BurnDownChart(props: { days: BurnDownDay[]; total: number; currency: string; titleId: string }) {
  const { money, date } = useT();
  const { days, total } = props;
  const low = Math.min(0, ...days.map((d) => d.remaining));
  const high = Math.max(total, 1);
  const x = (i: number) => PAD.left + (days.length <= 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (days.length - 1));
  const y = (v: number) => PAD.top + ((high - v) * (H - PAD.top - PAD.bottom)) / (high - low);
  const points = [`${x(0)},${y(total)}`, ...days.map((d, i) => `${x(i)},${y(d.remaining)}`)];
  const line = `M${points.join(' L')}`;
  const area = `${line} L${x(days.length - 1)},${y(low)} L${x(0)},${y(low)} Z`;
  return (
    <svg class="burn-down" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby={props.titleId}>
      <line class="burn-down__axis" x1={PAD.left} x2={W - PAD.right} y1={y(0)} y2={y(0)} />
      <path class="burn-down__area" d={area} />
      <path class="burn-down__line" d={line} />
      <text class="burn-down__label" x={PAD.left} y={14}>{money({ amount: total, currency: props.currency })}</text>
      <text class="burn-down__label" x={PAD.left} y={H - 8}>{date(days[0]!.day)}</text>
      {days.length > 1 ? <text class="burn-down__label" x={W - PAD.right} y={H - 8} text-anchor="end">{date(days.at(-1)!.day)}</text> : null}
    </svg>
  );
}

export function CreditPanel(props: { subscription: SubscriptionView; byDay: UsagePoint[]; byMeter: UsagePoint[]; now: Date }) {
  const { t, money, date } = useT();
  const { subscription: s, byDay, byMeter } = props;
  const currency = s.credit.currency;
  const total = s.credit.remaining.amount + s.credit.used.amount;
  const overage = s.credit.remaining.amount < 0 ? -s.credit.remaining.amount : 0;
  const days = burnDown(total, byDay, s.startsAt, (s.endsAt && Date.parse(s.endsAt) < props.now.getTime() ? s.endsAt : props.now.toISOString()));
  const hasUsage = s.credit.used.amount > 0;
  return (
    <section class="card credit-panel" aria-labelledby="credit-title">
      <h2 class="card__title" id="credit-title">{t('lifecycle.page.credit')}</h2>
      <dl class="summary-list">
        <div><dt>{t('lifecycle.page.creditRemaining')}</dt><dd class="credit-panel__remaining">{money({ amount: Math.max(0, s.credit.remaining.amount), currency })}</dd></div>
        <div><dt>{t('lifecycle.page.used')}</dt><dd>{money(s.credit.used)}</dd></div>
        {overage > 0 ? <div><dt>{t('lifecycle.page.overage')}</dt><dd>{money({ amount: overage, currency })}</dd></div> : null}
      </dl>
      {s.status === 'active' ? (
        <p class="credit-panel__forecast">
          {s.forecast.runOutAt
            ? t('lifecycle.page.forecast.runsOut', { date: date(s.forecast.runOutAt) })
            : hasUsage ? t('lifecycle.page.forecast.lasts') : t('lifecycle.page.forecast.noUsage')}
        </p>
      ) : null}
      {hasUsage ? (
        <>
          <figure class="burn-down-figure">
            <figcaption id="burn-down-title">{t('lifecycle.page.chart.title')}</figcaption>
            <BurnDownChart days={days} total={total} currency={currency} titleId="burn-down-title" />
          </figure>
          {/* A table sizes itself whatever its width says: the wrapper is what hides it. */}
          <div class="visually-hidden"><table>
            <caption>{t('lifecycle.page.chart.tableCaption')}</caption>
            <thead><tr><th scope="col">{t('lifecycle.page.chart.day')}</th><th scope="col">{t('lifecycle.page.used')}</th><th scope="col">{t('lifecycle.page.creditRemaining')}</th></tr></thead>
            <tbody>
              {days.map((d) => (
                <tr><th scope="row">{date(d.day)}</th><td>{money({ amount: d.used, currency })}</td><td>{money({ amount: d.remaining, currency })}</td></tr>
              ))}
            </tbody>
          </table></div>
          <h3 class="credit-panel__subtitle">{t('lifecycle.page.byMeter')}</h3>
          <table class="credit-panel__meters">
            <caption class="visually-hidden">{t('lifecycle.page.byMeter')}</caption>
            <thead><tr><th scope="col">{t('lifecycle.page.meter')}</th><th scope="col" class="num">{t('lifecycle.page.used')}</th></tr></thead>
            <tbody>
              {byMeter.map((m) => <tr><th scope="row" class="break-anywhere">{m.key}</th><td class="num">{money({ amount: m.amount, currency })}</td></tr>)}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

/** Why it stopped, the countdown to its deletion, and the download of its data (until it is deleted). */
export function YourDataPanel(props: { subscription: SubscriptionView; now: Date }) {
  const { t, date } = useT();
  const { subscription: s } = props;
  if (s.status === 'deleted') return null;
  const base = `/api/v1/subscriptions/${encodeURIComponent(s.id)}/export`;
  const daysLeft = s.deleteAt ? Math.max(0, Math.ceil((Date.parse(s.deleteAt) - props.now.getTime()) / DAY_MS)) : null;
  return (
    <section class="card your-data" id="your-data" aria-labelledby="your-data-title">
      <h2 class="card__title" id="your-data-title">{t('lifecycle.page.yourData')}</h2>
      {s.disabledReason && s.status !== 'active' ? <p>{t(`lifecycle.page.why.${s.disabledReason}`)}</p> : null}
      {s.deleteAt && daysLeft !== null ? (
        <p class="your-data__countdown"><strong>{t('lifecycle.page.deletion', { date: date(s.deleteAt), days: daysLeft })}</strong></p>
      ) : null}
      <ul class="your-data__links">
        <li><a href={base} download>{t('lifecycle.page.download')}</a> <span class="muted small">(JSON)</span></li>
        <li><a href={`${base}?format=csv`} download>{t('lifecycle.page.downloadCsv')}</a></li>
      </ul>
    </section>
  );
}
