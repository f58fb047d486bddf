export * from './config/environment';
export * from './config/config.module';
export * from './http/error-body';
export * from './http/all-exceptions.filter';
export * from './http/validation';
export * from './metrics/metrics-registry';
export * from './money';
export * from './http/cursor';
