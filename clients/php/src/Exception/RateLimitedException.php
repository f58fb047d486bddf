<?php

declare(strict_types=1);

namespace Herald\Exception;

/** 429 after the retries ran out: `retryAfter` is the seconds the server asked to wait (null when it said nothing). */
class RateLimitedException extends ClientException
{
    /** @param array<string, mixed>|null $body */
    public function __construct(int $status, string $message, ?string $errorCode, ?string $requestId, ?array $body, public readonly ?int $retryAfter = null)
    {
        parent::__construct($status, $message, $errorCode, $requestId, $body);
    }
}
