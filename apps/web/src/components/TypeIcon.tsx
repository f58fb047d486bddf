import { hasKey, useT } from '../i18n';

/** 20×20 stroke drawings, one per notification type; anything else gets the bell. */
const PATHS: Record<string, string> = {
  // a receipt with a plus
  'order.created': 'M5 2h10v16l-2.5-1.5L10 18l-2.5-1.5L5 18z M10 6v6 M7 9h6',
  // a pencil
  'order.updated': 'M4 16l1-4 8-8 3 3-8 8z M12 5l3 3',
  // a coin
  'order.paid': 'M10 2a8 8 0 1 0 0 16a8 8 0 1 0 0-16 M10 5v10 M13 7.5c0-1-1.3-1.8-3-1.8s-3 .8-3 1.8 1.3 1.7 3 2 3 1 3 2-1.3 1.8-3 1.8-3-.8-3-1.8',
  // a truck
  'order.shipped': 'M1 5h11v8H1z M12 8h4l3 3v2h-7z M5 16a1.5 1.5 0 1 0 0-.1 M15 16a1.5 1.5 0 1 0 0-.1',
  // a box with a tick
  'order.delivered': 'M2 6l8-4 8 4v8l-8 4-8-4z M2 6l8 4 8-4 M10 10v8 M13 13l1.5 1.5L17 12',
  // a circle with a cross
  'order.cancelled': 'M10 2a8 8 0 1 0 0 16a8 8 0 1 0 0-16 M7 7l6 6 M13 7l-6 6',
  // a sheet with lines
  'approval.submitted': 'M5 2h7l3 3v13H5z M12 2v3h3 M7.5 9h5 M7.5 12h5 M7.5 15h3',
  // a step forward
  'approval.step_approved': 'M2 15h5v-4h5V7h5 M14 4l3 3-3 3',
  // a tick in a circle
  'approval.approved': 'M10 2a8 8 0 1 0 0 16a8 8 0 1 0 0-16 M6 10.5l2.5 2.5L14 7.5',
  // a cross in a square
  'approval.rejected': 'M3 3h14v14H3z M7 7l6 6 M13 7l-6 6',
  // a turning-back arrow
  'approval.withdrawn': 'M8 4L4 8l4 4 M4 8h8a4 4 0 0 1 0 8H9',
  // an alarm clock: the step has waited its reminder delay
  'approval.reminder': 'M10 4a7 7 0 1 0 0 14a7 7 0 1 0 0-14 M10 7.5v3.5l2.5 1.5 M3 4.5L5.5 2 M17 4.5L14.5 2',
  // an arrow up to a bar: escalated
  'approval.escalated': 'M10 17V6 M5.5 10.5L10 6l4.5 4.5 M4 3h12',
  // a bell
  other: 'M5 14V9a5 5 0 0 1 10 0v5l1.5 2h-13z M8.5 18a1.5 1.5 0 0 0 3 0',
};

/** The notification type as a picture with its name for screen readers (and as a tooltip). */
export function TypeIcon({ type }: { type: string }) {
  const { t } = useT();
  const known = type in PATHS;
  const labelKey = `ux.type.${known ? type : 'other'}`;
  const label = hasKey(labelKey) ? t(labelKey) : type;
  const tone = type.endsWith('rejected') || type.endsWith('cancelled') ? 'bad' : type.endsWith('approved') || type.endsWith('delivered') ? 'ok' : 'plain';
  return (
    <span className={`type-icon type-icon-${tone}`} role="img" aria-label={label} title={label} data-type={type}>
      <svg viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
        <path d={PATHS[known ? type : 'other']} fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
    </span>
  );
}
