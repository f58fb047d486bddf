<?php

declare(strict_types=1);

namespace Herald\Exception;

/**
 * Herald answered with an error status. `getMessage()` is the server's `message`;
 * `errorCode` its machine-readable `code` (when it sent one) and `requestId` the id to quote to
 * the operator (from the body or the X-Request-Id header).
 */
abstract class HttpException extends HeraldException
{
    /** @param array<string, mixed>|null $body */
    public function __construct(
        public readonly int $status,
        string $message,
        public readonly ?string $errorCode = null,
        public readonly ?string $requestId = null,
        public readonly ?array $body = null,
    ) {
        parent::__construct($message, $status);
    }

    public function getStatus(): int
    {
        return $this->status;
    }

    public function getErrorCode(): ?string
    {
        return $this->errorCode;
    }

    public function getRequestId(): ?string
    {
        return $this->requestId;
    }
}
