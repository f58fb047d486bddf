/** Roles a Herald user can hold. `manager` is the approver role. */
export const ROLES = ['admin', 'manager', 'sales', 'warehouse', 'finance', 'staff'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/**
 * The roles whose holders belong to each shared room (besides `user:<id>`, `role:<role>` and `all`):
 * one registry for the server's room policy, recipient counts and order permissions.
 */
export const ROOM_ROLES = {
  orders: ['sales', 'warehouse', 'finance', 'admin'],
  approvals: ['manager', 'admin'],
} as const satisfies Record<string, readonly Role[]>;
