/** Operator-set values, such as the free trial's credit and length. */
export interface SettingTable {
  key: string;
  /** JSON value. */
  value: string;
  updated_at: string;
}
