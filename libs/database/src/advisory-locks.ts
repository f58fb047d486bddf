/**
 * Every PostgreSQL advisory-lock key Herald takes, in one place, so two locks can never share a key
 * by accident (the last-admin lock once shared the notification writer's key, so every notification
 * writer waited for an admin edit). Add new keys here, never as a literal elsewhere.
 */
export const ADVISORY_LOCKS = {
  /** Session lock: one instance at a time runs the migrations. */
  migrations: 4_242_001,
  /** Transaction lock: serialises every writer of notifications (ids become visible in order). */
  notificationWriter: 4_242_002,
  /** Transaction lock: serialises every "an admin loses admin" check. */
  lastAdmin: 4_242_003,
} as const;

export type AdvisoryLockName = keyof typeof ADVISORY_LOCKS;
