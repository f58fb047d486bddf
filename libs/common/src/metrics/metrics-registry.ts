/**
 * Injection token of the app's prom-client `Registry` (one per app instance, so that several apps in
 * one process, as in tests, keep separate counts). Any module may register its own metrics on it:
 * `constructor(@Inject(METRICS_REGISTRY) registry: Registry)`.
 */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');
