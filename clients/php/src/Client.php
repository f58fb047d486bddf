<?php

declare(strict_types=1);

namespace Herald;

use Herald\Exception\ClientException;
use Herald\Exception\RateLimitedException;
use Herald\Exception\ServerException;
use Herald\Exception\TransportException;
use Herald\Exception\UnavailableException;

/**
 * Pushes notifications to Herald (POST /api/push) and asks who is online (GET /api/presence),
 * with an API key. One call is one idempotency key, so its built-in retries (503, 429, a refused
 * connection) never create a notification twice.
 */
final class Client
{
    public const VERSION = '0.1.0';

    private const OPTION_DEFAULTS = [
        'timeout' => 10.0,        // seconds for one whole attempt (connect + answer)
        'connectTimeout' => 5.0,  // seconds to open the connection
        'retries' => 2,           // extra attempts after a 503, a 429 or a connection that could not be made
        'maxRetryWait' => 30.0,   // longest wait before one retry; a longer Retry-After is not waited for
        'userAgent' => null,      // default: herald-php/VERSION
    ];

    /** Users one presence question may name (the server's limit). */
    private const PRESENCE_CHUNK = 1000;

    /** Failures where the request never reached Herald, so a retry cannot duplicate anything. */
    private const RETRYABLE_CURL_ERRORS = [
        CURLE_COULDNT_RESOLVE_HOST,
        CURLE_COULDNT_CONNECT,
        CURLE_SSL_CONNECT_ERROR,
        CURLE_GOT_NOTHING,
        CURLE_SEND_ERROR,
        CURLE_RECV_ERROR,
    ];

    private readonly string $baseUrl;
    private readonly float $timeout;
    private readonly float $connectTimeout;
    private readonly int $retries;
    private readonly float $maxRetryWait;
    private readonly string $userAgent;
    private ?\CurlHandle $curl = null;

    /**
     * @param string $baseUrl e.g. https://herald.example.com (no trailing /api)
     * @param string $apiKey  a key made by an admin (POST /api/api-keys)
     * @param array{timeout?: float|int, connectTimeout?: float|int, retries?: int, maxRetryWait?: float|int, userAgent?: string|null} $options
     */
    public function __construct(string $baseUrl, private readonly string $apiKey, array $options = [])
    {
        $baseUrl = rtrim($baseUrl, '/');
        if (!preg_match('#^https?://[^/\s]+#i', $baseUrl)) {
            throw new \InvalidArgumentException("baseUrl must be an http:// or https:// URL, got '{$baseUrl}'");
        }
        if ($apiKey === '' || preg_match('/[\r\n]/', $apiKey)) {
            throw new \InvalidArgumentException('apiKey must be a non-empty key on one line');
        }
        $unknown = array_diff(array_keys($options), array_keys(self::OPTION_DEFAULTS));
        if ($unknown) {
            throw new \InvalidArgumentException('unknown option(s): ' . implode(', ', $unknown) . '; known: ' . implode(', ', array_keys(self::OPTION_DEFAULTS)));
        }
        $o = $options + self::OPTION_DEFAULTS;
        foreach (['timeout', 'connectTimeout'] as $name) {
            if (!is_int($o[$name]) && !is_float($o[$name]) || $o[$name] <= 0) {
                throw new \InvalidArgumentException("{$name} must be a number of seconds above 0");
            }
        }
        if (!is_int($o['retries']) || $o['retries'] < 0 || $o['retries'] > 10) {
            throw new \InvalidArgumentException('retries must be an integer from 0 to 10');
        }
        if (!is_int($o['maxRetryWait']) && !is_float($o['maxRetryWait']) || $o['maxRetryWait'] < 0) {
            throw new \InvalidArgumentException('maxRetryWait must be a number of seconds, 0 or more');
        }
        $this->baseUrl = $baseUrl;
        $this->timeout = (float) $o['timeout'];
        $this->connectTimeout = (float) $o['connectTimeout'];
        $this->retries = $o['retries'];
        $this->maxRetryWait = (float) $o['maxRetryWait'];
        $this->userAgent = $o['userAgent'] ?? 'herald-php/' . self::VERSION . ' PHP/' . PHP_VERSION;
    }

    /**
     * POST /api/push.
     *
     * @param array{to: array{userIds?: list<int|string>, rooms?: list<string>, all?: true}, type: string, title: string, body?: string, data?: array<string, mixed>, idempotencyKey?: string} $request
     * @param string|null $idempotencyKey the same key twice creates one notification; null: the request's own, else a new random one for this call
     */
    public function push(array $request, ?string $idempotencyKey = null): PushResult
    {
        $given = $request['idempotencyKey'] ?? null;
        if ($idempotencyKey !== null && $given !== null && $given !== $idempotencyKey) {
            throw new \InvalidArgumentException('two different idempotency keys: one in the request, one as the argument');
        }
        $key = $idempotencyKey ?? $given ?? self::newIdempotencyKey();
        $request['idempotencyKey'] = $key;
        if (isset($request['to']['userIds']) && is_array($request['to']['userIds'])) {
            // Herald's ids are decimal strings; PHP ints become them (the server accepts both).
            $request['to']['userIds'] = array_map(static fn ($id) => is_int($id) ? (string) $id : $id, array_values($request['to']['userIds']));
        }
        if (array_key_exists('data', $request) && $request['data'] === []) {
            $request['data'] = new \stdClass(); // json_encode([]) is a list; Herald wants an object
        }
        [$body, $requestId] = $this->request('POST', '/api/push', $request);
        return PushResult::fromResponse($body, $key, $requestId);
    }

    /**
     * One notification to one user or several (sendToUid in GatewayWorker).
     *
     * @param int|string|list<int|string> $userIds
     * @param array{body?: string, data?: array<string, mixed>, idempotencyKey?: string} $options
     */
    public function sendToUser(int|string|array $userIds, string $type, string $title, array $options = []): PushResult
    {
        return $this->pushTo(['userIds' => is_array($userIds) ? array_values($userIds) : [$userIds]], $type, $title, $options);
    }

    /**
     * One notification to everyone in one room or several: role:<role>, user:<id>, orders, approvals (sendToGroup).
     *
     * @param string|list<string> $rooms
     * @param array{body?: string, data?: array<string, mixed>, idempotencyKey?: string} $options
     */
    public function sendToRoom(string|array $rooms, string $type, string $title, array $options = []): PushResult
    {
        return $this->pushTo(['rooms' => is_array($rooms) ? array_values($rooms) : [$rooms]], $type, $title, $options);
    }

    /**
     * One notification to every user (sendToAll).
     *
     * @param array{body?: string, data?: array<string, mixed>, idempotencyKey?: string} $options
     */
    public function broadcast(string $type, string $title, array $options = []): PushResult
    {
        return $this->pushTo(['all' => true], $type, $title, $options);
    }

    /** Whether the user has a socket or an SSE stream open on any instance now (isUidOnline). */
    public function isOnline(int|string $userId): bool
    {
        $id = (string) $userId;
        return $this->onlineUsers([$id])[$id] ?? false;
    }

    /**
     * GET /api/presence for these users.
     *
     * @param list<int|string> $userIds
     * @return array<string, bool> user id (as a string) => online
     */
    public function onlineUsers(array $userIds): array
    {
        $ids = array_values(array_unique(array_map('strval', $userIds)));
        $online = [];
        foreach (array_chunk($ids, self::PRESENCE_CHUNK) as $chunk) {
            [$body] = $this->request('GET', '/api/presence?userIds=' . rawurlencode(implode(',', $chunk)));
            if (!is_array($body['online'] ?? null)) {
                throw new TransportException('Herald answered 2xx without {online}: ' . json_encode($body));
            }
            foreach ($chunk as $id) {
                $online[$id] = ($body['online'][$id] ?? false) === true;
            }
        }
        return $online;
    }

    /** A fresh random idempotency key (128 bits, hex). */
    public static function newIdempotencyKey(): string
    {
        return 'php-' . bin2hex(random_bytes(16));
    }

    /** @param array<string, mixed> $to */
    private function pushTo(array $to, string $type, string $title, array $options): PushResult
    {
        $unknown = array_diff(array_keys($options), ['body', 'data', 'idempotencyKey']);
        if ($unknown) {
            throw new \InvalidArgumentException('unknown option(s): ' . implode(', ', $unknown) . '; known: body, data, idempotencyKey');
        }
        $key = $options['idempotencyKey'] ?? null;
        unset($options['idempotencyKey']);
        return $this->push(['to' => $to, 'type' => $type, 'title' => $title] + $options, $key);
    }

    /**
     * One call, with its retries: a 503 or a 429 waits what Retry-After says (else a growing pause)
     * and a connection that could not be made waits a growing pause; anything else throws at once.
     *
     * @param array<string, mixed>|null $payload
     * @return array{0: array<string, mixed>, 1: string|null} the decoded body and the request id
     */
    private function request(string $method, string $path, ?array $payload = null): array
    {
        $json = $payload === null ? null : json_encode($payload, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        // One request id for every attempt of this call, so the server's logs tie the retries together.
        $requestId = 'php-' . bin2hex(random_bytes(8));
        for ($attempt = 0; ; $attempt++) {
            $canRetry = $attempt < $this->retries;
            try {
                [$status, $headers, $raw] = $this->send($method, $path, $json, $requestId);
            } catch (TransportException $e) {
                if ($canRetry && in_array($e->curlErrno, self::RETRYABLE_CURL_ERRORS, true)) {
                    self::pause(self::backoff($attempt));
                    continue;
                }
                throw $e;
            }
            $body = self::decode($raw);
            $requestId = is_string($body['requestId'] ?? null) ? $body['requestId'] : ($headers['x-request-id'] ?? $requestId);
            if ($status >= 200 && $status < 300) {
                if (!is_array($body)) {
                    throw new TransportException("Herald answered {$status} with a body that is not a JSON object: " . substr($raw, 0, 200));
                }
                return [$body, $requestId];
            }
            if ($status === 429 || $status === 503) {
                $retryAfter = self::retryAfter($headers['retry-after'] ?? null);
                $wait = $retryAfter ?? self::backoff($attempt);
                if ($canRetry && $wait <= $this->maxRetryWait) {
                    self::pause($wait);
                    continue;
                }
            }
            throw self::error($status, $body, $raw, $requestId, $headers);
        }
    }

    /**
     * One attempt.
     *
     * @return array{0: int, 1: array<string, string>, 2: string} status, lower-cased headers, body
     */
    private function send(string $method, string $path, ?string $json, string $requestId): array
    {
        $this->curl ??= curl_init();
        curl_reset($this->curl);
        $headers = [];
        $requestHeaders = [
            'X-Api-Key: ' . $this->apiKey,
            'Accept: application/json',
            'X-Request-Id: ' . $requestId,
            'Expect:', // no 100-continue round trip for bodies over 1 KB
        ];
        if ($json !== null) {
            $requestHeaders[] = 'Content-Type: application/json';
        }
        curl_setopt_array($this->curl, [
            CURLOPT_URL => $this->baseUrl . $path,
            CURLOPT_CUSTOMREQUEST => $method,
            CURLOPT_HTTPHEADER => $requestHeaders,
            CURLOPT_USERAGENT => $this->userAgent,
            CURLOPT_RETURNTRANSFER => true,
            CURLOPT_FOLLOWLOCATION => false,
            CURLOPT_NOSIGNAL => true, // millisecond timeouts without SIGALRM
            CURLOPT_TIMEOUT_MS => (int) ceil($this->timeout * 1000),
            CURLOPT_CONNECTTIMEOUT_MS => (int) ceil($this->connectTimeout * 1000),
            CURLOPT_PROTOCOLS => CURLPROTO_HTTP | CURLPROTO_HTTPS,
            CURLOPT_HEADERFUNCTION => static function ($curl, string $line) use (&$headers): int {
                $parts = explode(':', $line, 2);
                if (count($parts) === 2) {
                    $headers[strtolower(trim($parts[0]))] = trim($parts[1]);
                }
                return strlen($line);
            },
        ]);
        if ($json !== null) {
            curl_setopt($this->curl, CURLOPT_POSTFIELDS, $json);
        }
        $raw = curl_exec($this->curl);
        if ($raw === false) {
            $errno = curl_errno($this->curl);
            $what = $errno === CURLE_OPERATION_TIMEDOUT ? 'timed out' : 'failed';
            throw new TransportException("{$method} {$this->baseUrl}{$path} {$what}: " . curl_error($this->curl), $errno);
        }
        return [(int) curl_getinfo($this->curl, CURLINFO_RESPONSE_CODE), $headers, (string) $raw];
    }

    /** @return array<string, mixed>|null */
    private static function decode(string $raw): ?array
    {
        if ($raw === '') {
            return null;
        }
        try {
            $decoded = json_decode($raw, true, 64, JSON_THROW_ON_ERROR);
        } catch (\JsonException) {
            return null; // not JSON (a proxy's HTML page): the caller reports the status and the text
        }
        return is_array($decoded) ? $decoded : null;
    }

    /**
     * @param array<string, mixed>|null $body
     * @param array<string, string> $headers
     */
    private static function error(int $status, ?array $body, string $raw, ?string $requestId, array $headers): \Throwable
    {
        $message = $body['message'] ?? null;
        if (is_array($message)) {
            $message = implode('; ', array_map('strval', $message));
        }
        if (!is_string($message) || $message === '') {
            $message = "Herald answered HTTP {$status}" . ($raw !== '' ? ': ' . substr(trim(strip_tags($raw)), 0, 200) : '');
        }
        $code = is_string($body['code'] ?? null) ? $body['code'] : null;
        $retryAfter = self::retryAfter($headers['retry-after'] ?? null);
        $retryAfter = $retryAfter === null ? null : (int) ceil($retryAfter);
        return match (true) {
            $status === 429 => new RateLimitedException($status, $message, $code, $requestId, $body, $retryAfter),
            $status === 503 => new UnavailableException($status, $message, $code, $requestId, $body, $retryAfter),
            $status >= 500 => new ServerException($status, $message, $code, $requestId, $body),
            $status >= 400 => new ClientException($status, $message, $code, $requestId, $body),
            default => new TransportException("Herald answered HTTP {$status}, not a 2xx (a redirect? check the base URL): {$message}"),
        };
    }

    /** Retry-After in seconds, from delta-seconds or an HTTP date; null when absent or unreadable. */
    private static function retryAfter(?string $value): ?float
    {
        if ($value === null || $value === '') {
            return null;
        }
        if (ctype_digit($value)) {
            return (float) $value;
        }
        $at = strtotime($value);
        return $at === false ? null : (float) max(0, $at - time());
    }

    /** 0.2 s, 0.4 s, 0.8 s, … up to 5 s, with jitter so that many workers do not retry in step. */
    private static function backoff(int $attempt): float
    {
        return min(5.0, 0.2 * 2 ** $attempt) * (0.5 + mt_rand() / mt_getrandmax() / 2);
    }

    private static function pause(float $seconds): void
    {
        if ($seconds > 0) {
            usleep((int) round($seconds * 1_000_000));
        }
    }
}
