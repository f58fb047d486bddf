export * from './domain-event';
export * from './domain-events.service';
export * from './notifications.module';
