// One small chart for every page that shows figures (a campaign's funnel and timeline, redemptions by
// country, a subscription's usage): drawn on the server as SVG, no script, with a table of the same
// figures under it for screen readers and for anyone who wants the numbers.
//
// Lengths along the value axis are percentages of the chart's own width, and text is sized in CSS pixels,
// so a chart stays sharp and legible from a 390 px phone to a desktop without a viewBox that would shrink
// its text. Lines are the exception: they are drawn in a stretched inner viewBox with strokes that do not
// scale (vector-effect), and their labels stay outside it.
import type { ComponentChildren } from 'preact';
import { TableWrap } from './components.tsx';

export interface ChartSeries {
  /** The legend's and the table's name for this series, e.g. "Redeemed". */
  label: string;
  /** One value per category, in the categories' order. */
  values: readonly number[];
}

export type ChartKind =
  /** Horizontal bars, one row per category: funnels, countries, meters. Long labels fit on a phone. */
  | 'bars'
  /** Vertical columns over time, one group per category. */
  | 'columns'
  /** Lines over time. */
  | 'lines';

export interface ChartProps {
  /** Names the chart for assistive technology and heads the table; say what is counted. */
  title: string;
  kind: ChartKind;
  /** The category axis: row labels for bars, time labels for columns and lines. */
  categories: readonly string[];
  /** One to four series. */
  series: readonly ChartSeries[];
  /** How values are written in labels and the table (default: plain integers). */
  formatValue?: (value: number) => string;
  /** The table's first column heading, e.g. "Day" or "Country". */
  categoryHeading: string;
  /** Shown instead of the chart when there is nothing to draw. */
  empty?: ComponentChildren;
  /** Put the table behind a disclosure (long series) with this summary text. */
  tableSummary?: string;
  /** Distinguishes several charts on one page (ids of the title and the table). */
  id: string;
}

const ROW_LABEL = 20;
const BAR = 14;
const BAR_GAP = 4;
const ROW_GAP = 14;
const PLOT_HEIGHT = 160;
const AXIS = 22;

/** Values are scaled to the largest one, rounded up to a "nice" number so gridlines fall on round values. */
export function niceMax(max: number): number {
  if (!(max > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((f) => f * magnitude >= max) ?? 10;
  return step * magnitude;
}

const pct = (value: number, max: number) => `${Math.max(0, Math.min(100, (value / max) * 100)).toFixed(3)}%`;

export function Chart(props: ChartProps) {
  const format = props.formatValue ?? ((n: number) => String(n));
  const all = props.series.flatMap((s) => s.values);
  const hasData = props.categories.length > 0 && all.some((v) => v !== 0);
  const titleId = `${props.id}-title`;
  return (
    <figure class={`chart chart--${props.kind}`} aria-labelledby={titleId}>
      <figcaption class="chart__title" id={titleId}>{props.title}</figcaption>
      {hasData ? (
        <>
          {props.kind === 'bars' ? <Bars {...props} format={format} /> : <OverTime {...props} format={format} />}
          {props.series.length > 1 ? <Legend series={props.series} /> : null}
        </>
      ) : <p class="chart__empty muted">{props.empty ?? '—'}</p>}
      {props.categories.length > 0 ? <FiguresTable {...props} format={format} /> : null}
    </figure>
  );
}

function Legend(props: { series: readonly ChartSeries[] }) {
  return (
    <ul class="chart__legend" aria-hidden="true">
      {props.series.map((s, i) => <li><span class={`chart__swatch chart__tone-${i}`} />{s.label}</li>)}
    </ul>
  );
}

/** Rows of labelled bars; the label line carries the figures, so nothing has to fit inside a bar. */
function Bars(props: ChartProps & { format: (n: number) => string }) {
  const max = Math.max(1, ...props.series.flatMap((s) => s.values));
  const rowHeight = ROW_LABEL + props.series.length * (BAR + BAR_GAP) + ROW_GAP;
  const height = props.categories.length * rowHeight;
  return (
    <svg class="chart__svg" width="100%" height={height} role="img" aria-label={props.title} focusable="false">
      {props.categories.map((category, row) => {
        const top = row * rowHeight;
        const figures = props.series.map((s) => props.format(s.values[row] ?? 0)).join(' · ');
        return (
          <g>
            <text class="chart__label" x="0" y={top + 14}>{category}</text>
            <text class="chart__value" x="100%" y={top + 14} text-anchor="end">{figures}</text>
            {props.series.map((s, i) => {
              const value = s.values[row] ?? 0;
              const y = top + ROW_LABEL + i * (BAR + BAR_GAP);
              return (
                <>
                  <rect class="chart__track" x="0" y={y} width="100%" height={BAR} rx="3" />
                  {value > 0 ? <rect class={`chart__bar chart__tone-${i}`} x="0" y={y} width={pct(value, max)} height={BAR} rx="3" /> : null}
                </>
              );
            })}
          </g>
        );
      })}
    </svg>
  );
}

/** Columns or lines against a value axis with gridlines at 0, half and the top; some time labels under them. */
function OverTime(props: ChartProps & { format: (n: number) => string }) {
  const n = props.categories.length;
  const top = niceMax(Math.max(0, ...props.series.flatMap((s) => s.values)));
  const height = PLOT_HEIGHT + AXIS + 8;
  const y = (value: number) => 8 + PLOT_HEIGHT - (value / top) * PLOT_HEIGHT;
  // At most about six time labels, evenly spread, always the first and the last.
  const every = Math.max(1, Math.ceil(n / 6));
  const labelled = props.categories.map((_, i) => i === 0 || i === n - 1 || (i % every === 0 && n - 1 - i >= every / 2));
  // A few points stay narrow columns at the left rather than a wall of colour; many share the width.
  const slot = 100 / (props.kind === 'columns' ? Math.max(n, 12) : n);
  return (
    <svg class="chart__svg" width="100%" height={height} role="img" aria-label={props.title} focusable="false">
      {[0, top / 2, top].map((v) => (
        <>
          <line class="chart__grid" x1="0" x2="100%" y1={y(v)} y2={y(v)} />
          {v > 0 && Number.isInteger(v) ? <text class="chart__tick" x="0" y={y(v) - 4}>{props.format(v)}</text> : null}
        </>
      ))}
      {props.kind === 'columns'
        ? props.categories.map((_, i) => {
          const width = (slot * 0.8) / props.series.length;
          return props.series.map((s, k) => {
            const value = s.values[i] ?? 0;
            if (value <= 0) return null;
            const x = i * slot + slot * 0.1 + k * width;
            return <rect class={`chart__bar chart__tone-${k}`} x={`${x.toFixed(3)}%`} y={y(value)} width={`${width.toFixed(3)}%`} height={y(0) - y(value)} />;
          });
        })
        : (
          // The inner SVG stretches 0…n-1 across the width; strokes keep their width however it stretches.
          <svg x="0" y="8" width="100%" height={PLOT_HEIGHT} viewBox={`0 0 ${Math.max(1, n - 1)} ${PLOT_HEIGHT}`} preserveAspectRatio="none">
            {props.series.map((s, k) => (
              <polyline
                class={`chart__line chart__tone-${k}`} fill="none" vector-effect="non-scaling-stroke"
                points={s.values.map((v, i) => `${n === 1 ? 0.5 : i},${(PLOT_HEIGHT - (v / top) * PLOT_HEIGHT).toFixed(2)}`).join(' ')}
              />
            ))}
          </svg>
        )}
      {props.categories.map((category, i) => {
        if (!labelled[i]) return null;
        const center = props.kind === 'columns' ? i * slot + slot / 2 : n === 1 ? 50 : (i / (n - 1)) * 100;
        const edge = props.kind !== 'columns' || n >= 12;
        const anchor = i === 0 ? 'start' : i === n - 1 && edge ? 'end' : 'middle';
        const x = anchor === 'start' ? (props.kind === 'columns' ? `${(i * slot).toFixed(3)}%` : '0') : anchor === 'end' ? '100%' : `${center.toFixed(3)}%`;
        return <text class="chart__tick" x={x} y={height - 4} text-anchor={anchor}>{category}</text>;
      })}
    </svg>
  );
}

/** The same figures as a table: the chart's accessible twin. */
function FiguresTable(props: ChartProps & { format: (n: number) => string }) {
  const table = (
    <TableWrap label={props.title}>
      <table id={`${props.id}-table`}>
        <thead>
          <tr>
            <th scope="col">{props.categoryHeading}</th>
            {props.series.map((s) => <th scope="col" class="num">{s.label}</th>)}
          </tr>
        </thead>
        <tbody>
          {props.categories.map((category, row) => (
            <tr>
              <th scope="row">{category}</th>
              {props.series.map((s) => <td class="num">{props.format(s.values[row] ?? 0)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
  if (!props.tableSummary) return table;
  return <details class="chart__details"><summary>{props.tableSummary}</summary>{table}</details>;
}
