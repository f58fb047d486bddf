/**
 * Who has a live connection. Implemented by the realtime layer (which knows the sockets of every
 * instance); declared here so the push API can ask without depending on it.
 */
export abstract class OnlineUsers {
  abstract onlineUserIds(rooms: string[]): Promise<Set<string>>;
}
