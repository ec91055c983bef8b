/** The EventBridge envelope consumers receive, built the same way by EventBridge and by the local bus. */
export interface BusEvent<TDetail = unknown> {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: TDetail;
}
