export * from './realtime.module';
export * from './realtime.gateway';
export * from './herald-io.adapter';
export * from './presence.service';
export * from './socket-auth';
export * from './socket-rate-limit';
