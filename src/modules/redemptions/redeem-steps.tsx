// The steps of redeeming a pass, shown at the top of every page of the journey: defined here once, for
// the redemption pages and for the activation form that ends the journey.
import type { MessageKey } from '../../i18n/catalogue.ts';
import { Steps } from '../../web/components.tsx';
import { useT } from '../../web/page-env.ts';

// Each step is named after the button that ends it (API.md: "Activate" on the confirm step, "Sign up" on the
// activation form), so the step you are on and the button you press say the same word.
const REDEEM_STEPS: readonly MessageKey[] = ['redeem.step.code', 'redeem.step.account', 'subs.step.activate', 'subs.step.signUp'];

export type RedeemStep = 'code' | 'account' | 'confirm' | 'activate';
const INDEX: Record<RedeemStep, number> = { code: 0, account: 1, confirm: 2, activate: 3 };

export function RedeemSteps(props: { current: RedeemStep }) {
  const { t } = useT();
  return <Steps steps={REDEEM_STEPS.map((key) => t(key))} current={INDEX[props.current]} label={t('redeem.steps.label')} />;
}
