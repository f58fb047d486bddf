export * from './herald-client';
export * from './errors';
export * from './ids';
export * from './observable';
export * from './storage';
export * from './token';
export * from './retry';
export * from './links';
export * from './unread';
// The wire contract (Notification, Ack, SessionClosed, the event maps…): shipped inside the package, so an app needs nothing else.
export * from '@herald/contracts';
