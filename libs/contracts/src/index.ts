export * from './roles';
export * from './errors';
export * from './auth';
export * from './notifications';
export * from './socket-events';
export * from './orders';
export * from './approvals';
export * from './events';
