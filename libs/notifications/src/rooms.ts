import { ROLES, Rooms, type Role } from '@herald/contracts';

/** Roles whose holders belong to the `orders` room, and to the `approvals` room. */
const ORDER_ROLES: readonly Role[] = ['sales', 'warehouse', 'finance', 'admin'];
const APPROVAL_ROLES: readonly Role[] = ['manager', 'admin'];

/**
 * The rooms a user belongs to, decided by the server from their roles as the database has them now.
 * Used to join sockets to rooms and to decide what a user's inbox and replays contain.
 */
export function roomsForUser(userId: string, roles: readonly Role[]): string[] {
  const rooms = [Rooms.user(userId), Rooms.all, ...roles.map((r) => Rooms.role(r))];
  if (roles.some((r) => ORDER_ROLES.includes(r))) rooms.push(Rooms.orders);
  if (roles.some((r) => APPROVAL_ROLES.includes(r))) rooms.push(Rooms.approvals);
  return rooms;
}

/** A room name a push may address: `user:<id>`, `role:<role>`, `orders`, `approvals` or `all`. */
export const ROOM_PATTERN = new RegExp(`^(user:[1-9][0-9]{0,18}|role:(${ROLES.join('|')})|orders|approvals|all)$`);

/** SQL condition selecting the active users in any of `rooms` ($n is a text[] parameter). */
export function usersInRoomsSql(param: string): string {
  return `NOT u.disabled AND (
      'all' = ANY(${param})
      OR ('user:' || u.id) = ANY(${param})
      OR EXISTS (SELECT 1 FROM unnest(u.roles) r WHERE ('role:' || r) = ANY(${param}))
      OR ('orders' = ANY(${param}) AND u.roles && ARRAY['${ORDER_ROLES.join("','")}']::text[])
      OR ('approvals' = ANY(${param}) AND u.roles && ARRAY['${APPROVAL_ROLES.join("','")}']::text[]))`;
}
