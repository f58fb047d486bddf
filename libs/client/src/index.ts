export * from './herald-client';
export * from './errors';
export * from './ids';
export * from './observable';
export * from './storage';
export * from './token';
export * from './retry';
export * from './links';
