<?php

declare(strict_types=1);

namespace Herald\Exception;

/** 503 after the retries ran out (e.g. the database is down); `retryAfter` as the server sent it. */
class UnavailableException extends ServerException
{
    /** @param array<string, mixed>|null $body */
    public function __construct(int $status, string $message, ?string $errorCode, ?string $requestId, ?array $body, public readonly ?int $retryAfter = null)
    {
        parent::__construct($status, $message, $errorCode, $requestId, $body);
    }
}
