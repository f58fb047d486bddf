<?php

declare(strict_types=1);

namespace Herald;

/** What POST /api/push answered: the notification ids created, how many users it reached, how many of them are online. */
final class PushResult
{
    /** @param list<string> $ids */
    public function __construct(
        public readonly array $ids,
        public readonly int $recipients,
        public readonly int $online,
        public readonly string $idempotencyKey,
        public readonly ?string $requestId = null,
    ) {
    }

    /** @param array<string, mixed> $body */
    public static function fromResponse(array $body, string $idempotencyKey, ?string $requestId): self
    {
        $ids = $body['ids'] ?? null;
        if (!is_array($ids) || !is_int($body['recipients'] ?? null) || !is_int($body['online'] ?? null)) {
            throw new Exception\TransportException('Herald answered 2xx without {ids, recipients, online}: ' . json_encode($body));
        }
        return new self(array_map('strval', array_values($ids)), $body['recipients'], $body['online'], $idempotencyKey, $requestId);
    }
}
