<?php

declare(strict_types=1);

// Plain assertions against a running Herald and the stubs the jest test starts (test/php-client.e2e-spec.ts).
// Env: HERALD_URL, HERALD_API_KEY, HERALD_ONLINE_USER_ID (has a socket open), HERALD_OFFLINE_USER_ID,
// HERALD_STUB_URL (a node:http stub: /retry-503, /retry-429, /always-503, /long-429, /hang).
// Prints one line per check, then `RESULT <json>` lines the jest test reads; exits 1 if a check failed.

require __DIR__ . '/../src/autoload.php';

use Herald\Client;
use Herald\Exception\ClientException;
use Herald\Exception\HeraldException;
use Herald\Exception\RateLimitedException;
use Herald\Exception\ServerException;
use Herald\Exception\TransportException;
use Herald\Exception\UnavailableException;
use Herald\PushResult;

function env(string $name): string
{
    $value = getenv($name);
    if ($value === false || $value === '') {
        fwrite(STDERR, "missing env {$name}\n");
        exit(2);
    }
    return $value;
}

$failures = 0;
$results = [];

function check(string $name, callable $test): void
{
    global $failures;
    $started = microtime(true);
    try {
        $test();
        printf("ok - %s (%.2f s)\n", $name, microtime(true) - $started);
    } catch (\Throwable $e) {
        $failures++;
        echo "not ok - {$name}\n  " . get_class($e) . ': ' . $e->getMessage() . "\n  at " . $e->getFile() . ':' . $e->getLine() . "\n";
    }
}

function same(mixed $expected, mixed $actual, string $what): void
{
    if ($expected !== $actual) {
        throw new \LogicException("{$what}: expected " . var_export($expected, true) . ', got ' . var_export($actual, true));
    }
}

function truthy(bool $condition, string $what): void
{
    if (!$condition) {
        throw new \LogicException($what);
    }
}

/** Runs $call, which must throw $class; returns the exception. */
function throwsA(string $class, callable $call): \Throwable
{
    try {
        $call();
    } catch (\Throwable $e) {
        if (!$e instanceof $class) {
            throw new \LogicException("expected {$class}, got " . get_class($e) . ': ' . $e->getMessage(), 0, $e);
        }
        return $e;
    }
    throw new \LogicException("expected {$class}, nothing was thrown");
}

$url = env('HERALD_URL');
$key = env('HERALD_API_KEY');
$onlineId = env('HERALD_ONLINE_USER_ID');
$offlineId = env('HERALD_OFFLINE_USER_ID');
$stub = env('HERALD_STUB_URL');
$herald = new Client($url, $key);

check('sendToUser with an int id answers ids, recipients and online', function () use ($herald, $onlineId, &$results) {
    $r = $herald->sendToUser((int) $onlineId, 'invoice.paid', 'Invoice INV-7 paid', ['body' => 'From PHP', 'data' => ['invoice' => 'INV-7']]);
    truthy($r instanceof PushResult, 'a PushResult');
    same(1, count($r->ids), 'one notification id');
    truthy(preg_match('/^[1-9][0-9]*$/', $r->ids[0]) === 1, 'the id is a decimal string');
    same(1, $r->recipients, 'recipients');
    same(1, $r->online, 'online (the jest test holds a socket open for this user)');
    truthy(str_starts_with($r->idempotencyKey, 'php-'), 'a generated idempotency key is returned');
    $results['live'] = $r->ids;
});

check('the same idempotency key twice answers the same ids', function () use ($herald, $onlineId, &$results) {
    $key = 'php-test-' . bin2hex(random_bytes(4));
    $first = $herald->sendToUser($onlineId, 'order.shipped', 'Order shipped', ['idempotencyKey' => $key]);
    $second = $herald->push(['to' => ['userIds' => [$onlineId]], 'type' => 'order.shipped', 'title' => 'Order shipped'], $key);
    same($first->ids, $second->ids, 'ids of the replayed push');
    same($key, $second->idempotencyKey, 'the key used');
    $results['idempotent'] = $first->ids;
});

check('two calls without a key create two notifications', function () use ($herald, $onlineId) {
    $a = $herald->sendToUser($onlineId, 'stock.low', 'Stock low');
    $b = $herald->sendToUser($onlineId, 'stock.low', 'Stock low');
    truthy($a->ids !== $b->ids, 'different ids for two calls');
    truthy($a->idempotencyKey !== $b->idempotencyKey, 'different generated keys');
});

check('an idempotency key reused with another body is a ClientException 409', function () use ($herald, $onlineId) {
    $key = 'php-test-' . bin2hex(random_bytes(4));
    $herald->sendToUser($onlineId, 'order.shipped', 'First', ['idempotencyKey' => $key]);
    $e = throwsA(ClientException::class, fn () => $herald->sendToUser($onlineId, 'order.shipped', 'Second', ['idempotencyKey' => $key]));
    same(409, $e->status, 'status');
});

check('sendToRoom and broadcast reach the room and everyone', function () use ($herald, &$results) {
    $room = $herald->sendToRoom('role:sales', 'price.changed', 'Price list changed');
    truthy($room->recipients >= 1, 'role:sales has at least one user');
    $all = $herald->broadcast('system.notice', 'Maintenance at 22:00', ['data' => []]);
    truthy($all->recipients >= 6, 'every demo user, got ' . $all->recipients);
    $results['room'] = $room->ids;
    $results['broadcast'] = $all->ids;
});

check('isOnline and onlineUsers answer from GET /api/presence', function () use ($herald, $onlineId, $offlineId) {
    same(true, $herald->isOnline($onlineId), 'isOnline(online user)');
    same(true, $herald->isOnline((int) $onlineId), 'isOnline(int id)');
    same(false, $herald->isOnline($offlineId), 'isOnline(offline user)');
    same([$onlineId => true, $offlineId => false], $herald->onlineUsers([(int) $onlineId, $offlineId, $onlineId]), 'onlineUsers');
    same([], $herald->onlineUsers([]), 'onlineUsers([]) asks nothing');
});

check('a bad type is a ClientException 400 with the server message and request id', function () use ($herald, $onlineId) {
    $e = throwsA(ClientException::class, fn () => $herald->sendToUser($onlineId, 'Not A Type', 'x'));
    same(400, $e->status, 'status');
    truthy(str_contains($e->getMessage(), 'must look like entity.verb') && str_contains($e->getMessage(), 'type'), 'server message, got: ' . $e->getMessage());
    truthy(is_string($e->requestId) && str_starts_with($e->requestId, 'php-'), 'the request id sent as X-Request-Id comes back, got ' . var_export($e->requestId, true));
    truthy($e instanceof HeraldException && !$e instanceof ServerException, 'a HeraldException, not a ServerException');
});

check('a bad presence id is a ClientException 400 naming userIds', function () use ($herald) {
    $e = throwsA(ClientException::class, fn () => $herald->isOnline('abc'));
    same(400, $e->status, 'status');
    truthy(str_contains($e->getMessage(), 'userIds'), 'message names userIds, got: ' . $e->getMessage());
});

check('a bad API key is a ClientException 401, not retried', function () use ($url, $onlineId) {
    $bad = new Client($url, 'not-a-real-key');
    $started = microtime(true);
    $e = throwsA(ClientException::class, fn () => $bad->sendToUser($onlineId, 'invoice.paid', 'x'));
    same(401, $e->status, 'status');
    truthy($e->getMessage() !== '', 'a message');
    truthy(microtime(true) - $started < 1.0, 'answered at once (no retry)');
});

check('503 with Retry-After: 1 is retried after at least 1 s, with the same idempotency key', function () use ($stub, &$results) {
    $client = new Client($stub . '/retry-503', 'stub-key');
    $started = microtime(true);
    $r = $client->sendToUser(7, 'invoice.paid', 'x');
    $elapsed = microtime(true) - $started;
    same(['9001'], $r->ids, 'the answer of the second attempt');
    truthy($elapsed >= 1.0, "waited Retry-After, took {$elapsed} s");
    truthy($elapsed < 5.0, "did not wait much longer, took {$elapsed} s");
    $results['retry503Key'] = $r->idempotencyKey;
});

check('429 with Retry-After: 1 is retried after at least 1 s', function () use ($stub, &$results) {
    $client = new Client($stub . '/retry-429', 'stub-key');
    $started = microtime(true);
    $r = $client->sendToRoom('orders', 'order.created', 'x');
    $elapsed = microtime(true) - $started;
    same(['9002'], $r->ids, 'the answer of the second attempt');
    truthy($elapsed >= 1.0, "waited Retry-After, took {$elapsed} s");
    $results['retry429Key'] = $r->idempotencyKey;
});

check('503 every time ends in UnavailableException after the retries', function () use ($stub) {
    $client = new Client($stub . '/always-503', 'stub-key', ['retries' => 1]);
    $e = throwsA(UnavailableException::class, fn () => $client->broadcast('system.notice', 'x'));
    same(503, $e->status, 'status');
    same(1, $e->retryAfter, 'retryAfter');
    same('database unavailable', $e->getMessage(), 'server message');
    same('db_down', $e->errorCode, 'server code');
});

check('429 asking for longer than maxRetryWait throws RateLimitedException at once', function () use ($stub) {
    $client = new Client($stub . '/long-429', 'stub-key', ['maxRetryWait' => 5]);
    $started = microtime(true);
    $e = throwsA(RateLimitedException::class, fn () => $client->broadcast('system.notice', 'x'));
    same(120, $e->retryAfter, 'retryAfter');
    truthy($e instanceof ClientException, 'a ClientException too');
    truthy(microtime(true) - $started < 1.0, 'did not wait');
});

check('a server that never answers is a TransportException after the timeout, not retried', function () use ($stub) {
    $client = new Client($stub . '/hang', 'stub-key', ['timeout' => 0.5]);
    $started = microtime(true);
    $e = throwsA(TransportException::class, fn () => $client->sendToUser(7, 'invoice.paid', 'x'));
    $elapsed = microtime(true) - $started;
    same(CURLE_OPERATION_TIMEDOUT, $e->curlErrno, 'curl errno');
    truthy(str_contains($e->getMessage(), 'timed out'), 'message says timed out: ' . $e->getMessage());
    truthy($elapsed >= 0.4 && $elapsed < 1.5, "one attempt of 0.5 s, took {$elapsed} s");
});

check('a refused connection is retried, then a TransportException', function () {
    // Port 1 on 127.0.0.1: nothing listens there, the connection is refused at once.
    $client = new Client('http://127.0.0.1:1', 'k', ['retries' => 2]);
    $started = microtime(true);
    $e = throwsA(TransportException::class, fn () => $client->broadcast('system.notice', 'x'));
    same(CURLE_COULDNT_CONNECT, $e->curlErrno, 'curl errno');
    truthy(microtime(true) - $started >= 0.25, 'waited between the attempts (0.1-0.2 s, then 0.2-0.4 s)');
});

check('bad arguments are InvalidArgumentException before any request', function () use ($url, $key) {
    throwsA(\InvalidArgumentException::class, fn () => new Client('ftp://x', $key));
    throwsA(\InvalidArgumentException::class, fn () => new Client($url, $key, ['timeuot' => 1]));
    throwsA(\InvalidArgumentException::class, fn () => new Client($url, $key, ['retries' => -1]));
    throwsA(\InvalidArgumentException::class, fn () => new Client($url, "k\r\nX-Evil: 1"));
    $client = new Client($url, $key);
    throwsA(\InvalidArgumentException::class, fn () => $client->sendToUser(1, 'a.b', 'x', ['titel' => 'typo']));
    throwsA(\InvalidArgumentException::class, fn () => $client->push(['to' => ['all' => true], 'type' => 'a.b', 'title' => 'x', 'idempotencyKey' => 'one'], 'two'));
});

foreach ($results as $name => $value) {
    echo 'RESULT ' . json_encode([$name => $value]) . "\n";
}
echo $failures === 0 ? "all checks passed\n" : "{$failures} check(s) failed\n";
exit($failures === 0 ? 0 : 1);
