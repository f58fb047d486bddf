/**
 * Who has a live connection. Implemented by the realtime layer (which knows the sockets of every
 * instance); declared here so the push API can ask without depending on it.
 */
export abstract class OnlineUsers {
  /** Asks every instance (bounded wait): for the explicit question, GET /api/presence. */
  abstract onlineUserIds(rooms: string[]): Promise<Set<string>>;
  /** Answers at once from what this instance knows of every instance (no Redis round trip): for each push's `online`. */
  abstract knownOnlineUserIds(rooms: string[]): Promise<Set<string>>;
}
