export * from './embedded-database';
export * from './data-source-options';
export * from './migrate';
export * from './connection-errors';
export * from './redis-connection';
export * from './reachable';
export * from './advisory-locks';
export * from './log-serializers';
