/** Roles a Herald user can hold. `manager` is the approver role. */
export const ROLES = ['admin', 'manager', 'sales', 'warehouse', 'finance', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
