// The steps of redeeming a pass, shown at the top of every page of the journey: defined here once, for
// the redemption pages and for the activation form that ends the journey.
import { Steps } from '../../web/components.tsx';

const REDEEM_STEPS = ['Promo code', 'Account', 'Confirm', 'Activate'] as const;

export type RedeemStep = 'code' | 'account' | 'confirm' | 'activate';
const INDEX: Record<RedeemStep, number> = { code: 0, account: 1, confirm: 2, activate: 3 };

export function RedeemSteps(props: { current: RedeemStep }) {
  return <Steps steps={REDEEM_STEPS} current={INDEX[props.current]} label="Redeeming your pass" />;
}
