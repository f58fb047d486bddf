import { NestFactory } from '@nestjs/core';
import { json } from 'express';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { AllExceptionsFilter, createValidationPipe, HeraldConfig, METRICS_REGISTRY, refuseDeepJson, refuseNulCharacters } from '@herald/common';
import { HeraldIoAdapter } from '@herald/realtime';
import { AppModule } from './app.module';
import { serveAsyncApi } from './docs/asyncapi';
import { httpMetrics } from './metrics/http-metrics';
import { securityHeaders, serveWebUi } from './web-ui';

/** JSON bodies above this are refused with 413 before any handler runs. */
export const JSON_BODY_LIMIT = '256kb';
/** The body limit of POST /api/push/batch (up to 1,000 pushes in one call). */
export const PUSH_BATCH_BODY_LIMIT = '4mb';

/** Builds a fully configured Herald application (not yet listening). Tests use it directly. */
export async function createHeraldApp(config: HeraldConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), new ExpressAdapter(), {
    bodyParser: false,
    bufferLogs: true,
    abortOnError: false,
    // On shutdown, end keep-alive and in-flight connections instead of waiting for each client to hang
    // up (a browser that went offline never does); clients reconnect and replay what they missed.
    forceCloseConnections: true,
  });
  app.useLogger(app.get(Logger));
  app.useWebSocketAdapter(new HeraldIoAdapter(app, config));
  // First, so that requests refused by the body parser or by no route at all are counted too.
  app.use(httpMetrics(app.get(METRICS_REGISTRY)));
  // Before any route, so that pages, assets, API answers and /docs all carry them.
  app.use(securityHeaders());
  // The depth check runs on the raw bytes before JSON.parse; the NUL check on the parsed body and query, before guards.
  // (Nest's option type leaves `verify` out because its rawBody option uses it; Herald does not use rawBody.)
  const jsonOptions = { limit: JSON_BODY_LIMIT, verify: refuseDeepJson };
  // A batch of pushes gets a larger limit; parsed here first, the general parser then leaves it alone.
  app.use('/api/push/batch', json({ ...jsonOptions, limit: PUSH_BATCH_BODY_LIMIT }));
  app.useBodyParser('json', jsonOptions);
  app.use(refuseNulCharacters);
  app.disable('x-powered-by');
  // No ETag on API answers: Express hashed every JSON body (a SHA-1 per push answer) for caches that never see
  // them (they are per user and change with every event). The web UI's files keep theirs from the static server.
  app.set('etag', false);
  // With N trusted proxies, req.ip is the address N hops back in X-Forwarded-For (used by the login limits).
  app.set('trust proxy', config.TRUST_PROXY);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  if (config.corsOrigins === '*' || config.corsOrigins.length) {
    app.enableCors({ origin: config.corsOrigins === '*' ? true : config.corsOrigins, credentials: true });
  }
  const openApi = new DocumentBuilder()
    .setTitle('Herald')
    .setDescription('Real-time business notifications: auth, orders, approvals, inbox and push API.')
    .setVersion('0.1.0')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .addServer('/', 'The server that serves this document (clients set their own base URL)')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /api/auth/login' })
    .addApiKey({ type: 'apiKey', name: 'X-Api-Key', in: 'header', description: 'Key from POST /api/api-keys, for systems that push' }, 'api-key')
    .addApiKey({ type: 'apiKey', name: 'ticket', in: 'query', description: 'One-use ticket from POST /api/notifications/stream-ticket (EventSource sends no headers)' }, 'stream-ticket')
    .addTag('auth', 'Sign in, refresh, sign out')
    .addTag('users', 'User administration (admin)')
    .addTag('orders', 'ERP orders and their state machine')
    .addTag('approvals', 'OA approval requests and decisions')
    .addTag('notifications', 'The inbox and its live SSE stream')
    .addTag('push', 'Pushes from other systems (API key) and API-key administration')
    .addTag('admin', 'Outbox administration (admin)')
    .addTag('operations', 'Liveness and readiness probes')
    .build();
  serveAsyncApi(app); // the Socket.IO events, at /docs/asyncapi.json
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, openApi));
  serveWebUi(app);
  return app;
}
