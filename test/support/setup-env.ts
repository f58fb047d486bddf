// Quiet logs in e2e tests unless asked for (LOG_LEVEL=debug npm test).
process.env.LOG_LEVEL ??= 'error';
