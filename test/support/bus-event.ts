/** An EventBridge envelope as the bus delivers it, around a detail the test chooses. */
import type { BusEvent } from '../../functions/shared/bus-event.js';

export function busEvent(detailType: string, detail: unknown, overrides: Partial<BusEvent> = {}): BusEvent {
  return { version: '0', id: 'env-1', 'detail-type': detailType, source: 'tollgate', account: '000000000000', time: '2026-11-25T12:00:00Z', region: 'local', resources: [], detail, ...overrides };
}
