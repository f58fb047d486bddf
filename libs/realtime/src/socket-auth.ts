import type { Server, Socket } from 'socket.io';
import { isValidStreamPosition, UNAVAILABLE, type ClientToServerEvents, type HandshakeErrorCode, type ServerToClientEvents } from '@herald/contracts';
import { AuthError, AuthService, AuthUser, bearerToken } from '@herald/auth';

/** What the server keeps on each socket. */
export interface SocketData {
  user: AuthUser;
  rooms: string[];
  /** From the handshake: replay everything after this id first. */
  lastSeenId?: string;
}

/** Events between instances, through the adapter (never seen by clients). */
export interface InterServerEvents {
  /** "Which of your live readers are in these rooms?": each instance answers with user ids. */
  'herald:presence': (rooms: string[], reply: (userIds: string[]) => void) => void;
  /** An instance's presence changes (users now online with their rooms, users gone), numbered; or, with none, a heartbeat. */
  'herald:presence-delta': (message: PresenceDelta) => void;
  /** An instance's whole presence, answering a resync (or saying goodbye, empty, when it stops). */
  'herald:presence-full': (message: PresenceFull) => void;
  /** "Send me your whole presence" to one instance, or '*' for all. */
  'herald:presence-resync': (message: { from: string; target: string }) => void;
}

export interface PresenceDelta {
  from: string;
  seq: number;
  set: Array<[userId: string, rooms: string[]]>;
  unset: string[];
}

export interface PresenceFull {
  from: string;
  seq: number;
  users: Array<[userId: string, rooms: string[]]>;
}

/** Herald's Socket.IO server and sockets, typed by the contracts' event maps: an undeclared event or a wrong payload fails to compile. */
export type HeraldServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type HeraldSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

/**
 * The error a refused handshake gets: `err.message === 'unauthorized'` for the credentials, otherwise
 * the code itself (`bad_request`, `too_many_sockets`, `unavailable`); `err.data.code` says why.
 */
export function handshakeError(code: HandshakeErrorCode | 'bad_request' | 'too_many_sockets' | typeof UNAVAILABLE, message: string): Error {
  const credentials = code !== 'bad_request' && code !== 'too_many_sockets' && code !== UNAVAILABLE;
  const err = new Error(credentials ? 'unauthorized' : code) as Error & { data: unknown };
  err.data = { code, message };
  return err;
}

/**
 * Authenticates a handshake from `auth.token` or an `Authorization: Bearer` header (never the query
 * string, which ends up in logs), loading the user as the database has them now.
 */
export async function authenticateHandshake(socket: Socket, auth: AuthService): Promise<{ user: AuthUser; lastSeenId?: string }> {
  const handshakeAuth = (socket.handshake.auth ?? {}) as { token?: unknown; lastSeenId?: unknown };
  const header = socket.handshake.headers.authorization;
  let token: string;
  try {
    if (typeof handshakeAuth.token === 'string' && handshakeAuth.token !== '') token = handshakeAuth.token;
    else if (handshakeAuth.token !== undefined && handshakeAuth.token !== null && handshakeAuth.token !== '') throw new AuthError('invalid_token', 'auth.token must be a string.');
    else token = bearerToken(header);
  } catch (err) {
    if (err instanceof AuthError) throw handshakeError(err.code as HandshakeErrorCode, err.message);
    throw err;
  }
  let lastSeenId: string | undefined;
  const raw = handshakeAuth.lastSeenId;
  if (raw !== undefined && raw !== null && raw !== '') {
    const text = typeof raw === 'number' && Number.isSafeInteger(raw) ? String(raw) : raw;
    if (!isValidStreamPosition(text)) {
      throw handshakeError('bad_request', 'auth.lastSeenId must be a notification id (a string of digits within 64 bits) or "0".');
    }
    lastSeenId = text;
  }
  try {
    return { user: await auth.authenticate(token), lastSeenId };
  } catch (err) {
    if (err instanceof AuthError) throw handshakeError(err.code as HandshakeErrorCode, err.message);
    throw err;
  }
}
