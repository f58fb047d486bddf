import { ROLES, ROOM_ROLES, Rooms, type Role } from '@herald/contracts';

const ORDER_ROLES: readonly Role[] = ROOM_ROLES.orders;
const APPROVAL_ROLES: readonly Role[] = ROOM_ROLES.approvals;

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

/** Equal for two lists with the same members in any order (rooms, roles): to tell whether a set changed. */
export function membersKey(values: readonly string[]): string {
  return [...values].sort().join(',');
}

/** A room name a push may address: `user:<id>`, `role:<role>`, `orders`, `approvals` or `all`. */
export const ROOM_PATTERN = new RegExp(`^(user:[1-9][0-9]{0,18}|role:(${ROLES.join('|')})|orders|approvals|all)$`);

/**
 * The query counting the active users in any of `rooms`: user rooms become an id list and role rooms
 * a role list, so PostgreSQL can answer from the primary key and the GIN index on roles instead of
 * reading every user.
 */
export function recipientsQuery(rooms: readonly string[]): { sql: string; params: unknown[] } {
  const { all, userIds, roles } = roomAudience(rooms);
  if (all) return { sql: `SELECT count(*)::int AS n FROM users u WHERE NOT u.disabled`, params: [] };
  return {
    sql: `SELECT count(*)::int AS n FROM users u
           WHERE NOT u.disabled AND (u.id = ANY($1::bigint[]) OR u.roles && $2::text[])`,
    params: [userIds, roles],
  };
}

/** Who a set of rooms reaches, as the inverse of roomsForUser: everyone, these user ids, or users with these roles. */
export function roomAudience(rooms: readonly string[]): { all: boolean; userIds: string[]; roles: string[] } {
  const roles = new Set<string>();
  for (const room of rooms) {
    if (room.startsWith('role:')) roles.add(room.slice(5));
    if (room === Rooms.orders) ORDER_ROLES.forEach((r) => roles.add(r));
    if (room === Rooms.approvals) APPROVAL_ROLES.forEach((r) => roles.add(r));
  }
  return { all: rooms.includes(Rooms.all), userIds: rooms.filter((r) => r.startsWith('user:')).map((r) => r.slice(5)), roles: [...roles] };
}
