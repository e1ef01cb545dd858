// Reports: figures about a pass program read across modules (campaigns, codes, redemptions,
// subscriptions). Read-only, so it depends on no other module's service, and others may ask it.
import type { Db } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import * as repo from './reports.repository.ts';

export interface CampaignStats {
  issued: number;
  redeemed: number;
  activated: number;
  revoked: number;
  expired: number;
}

export type TimelineUnit = 'day' | 'hour';
export const TIMELINE_UNITS: readonly TimelineUnit[] = ['day', 'hour'];

export interface TimelinePoint {
  /** The day (YYYY-MM-DD) or the hour (YYYY-MM-DDTHH:00Z), in UTC. */
  key: string;
  redeemed: number;
  activated: number;
}

export interface CountryFigures {
  country: string;
  redeemed: number;
  activated: number;
}

export interface SubscriptionLink {
  id: string;
  status: string;
  offer: string;
  campaign: { id: string; name: string } | null;
}

/** Empty days or hours between the first and the last are filled in up to this many points, so a chart shows the gaps. */
export const MAX_FILLED_POINTS = 400;

export function createReportService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const today = () => iso(clock.now()).slice(0, 10);

  /** Every campaign's code counts by campaign id (or the one asked for). */
  async function campaignStats(only?: { id: string }): Promise<Map<string, CampaignStats>> {
    const rows = await repo.campaignStats(db, today(), only);
    return new Map(rows.map(({ campaign_id, ...stats }) => [campaign_id, stats]));
  }

  /** Redemptions and activations by day or by hour, oldest first. */
  async function timeline(campaignId: string, unit: string = 'day'): Promise<TimelinePoint[]> {
    if (!TIMELINE_UNITS.includes(unit as TimelineUnit)) throw new ValidationError([{ path: 'by', message: 'by must be day or hour' }]);
    await mustExist(campaignId);
    const width = unit === 'hour' ? 13 : 10;
    const [redeemed, activated] = await Promise.all([repo.redemptionsBy(db, campaignId, width), repo.activationsBy(db, campaignId, width)]);
    const points = new Map<string, TimelinePoint>();
    const at = (key: string) => {
      let point = points.get(key);
      if (!point) points.set(key, (point = { key, redeemed: 0, activated: 0 }));
      return point;
    };
    for (const row of redeemed) at(row.key).redeemed += row.count;
    for (const row of activated) at(row.key).activated += row.count;
    const keys = [...points.keys()].sort();
    const filled = fillGaps(keys, unit as TimelineUnit);
    return filled.map((key) => {
      const point = points.get(key) ?? { key, redeemed: 0, activated: 0 };
      return { ...point, key: unit === 'hour' ? `${key}:00Z` : key };
    });
  }

  /** Live redemptions by country, most first (ties by country code). */
  async function countries(campaignId: string): Promise<CountryFigures[]> {
    await mustExist(campaignId);
    const rows = await repo.redemptionsByCountry(db, campaignId);
    return rows.sort((a, b) => b.redeemed - a.redeemed || a.country.localeCompare(b.country));
  }

  /** What each subscription is called and where it came from, by id; unknown ids are left out. */
  async function subscriptionLinks(ids: readonly string[]): Promise<Map<string, SubscriptionLink>> {
    const rows = await repo.subscriptionLinks(db, [...new Set(ids)]);
    return new Map(rows.map((r) => [r.id, {
      id: r.id, status: r.status, offer: r.offer,
      campaign: r.campaign_id && r.campaign_name !== null ? { id: r.campaign_id, name: r.campaign_name } : null,
    }]));
  }

  async function mustExist(campaignId: string) {
    if (!(await repo.campaignExists(db, campaignId))) throw new NotFoundError('The campaign');
  }

  return { campaignStats, timeline, countries, subscriptionLinks };
}

export type ReportService = ReturnType<typeof createReportService>;

/** Every day or hour from the first key to the last (keys are 'YYYY-MM-DD' or 'YYYY-MM-DDTHH'), when that is not too many. */
export function fillGaps(sortedKeys: readonly string[], unit: TimelineUnit): string[] {
  if (sortedKeys.length < 2) return [...sortedKeys];
  const step = unit === 'hour' ? 3_600_000 : 86_400_000;
  const parse = (key: string) => Date.parse(unit === 'hour' ? `${key}:00:00Z` : `${key}T00:00:00Z`);
  const first = parse(sortedKeys[0]!);
  const last = parse(sortedKeys[sortedKeys.length - 1]!);
  if (Number.isNaN(first) || Number.isNaN(last) || (last - first) / step + 1 > MAX_FILLED_POINTS) return [...sortedKeys];
  const keys: string[] = [];
  for (let t = first; t <= last; t += step) keys.push(new Date(t).toISOString().slice(0, unit === 'hour' ? 13 : 10));
  return keys;
}
