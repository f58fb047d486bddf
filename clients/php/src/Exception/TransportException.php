<?php

declare(strict_types=1);

namespace Herald\Exception;

/** No HTTP answer: the connection failed, timed out, or the answer was not Herald's JSON. */
class TransportException extends HeraldException
{
    public function __construct(string $message, public readonly int $curlErrno = 0, ?\Throwable $previous = null)
    {
        parent::__construct($message, $curlErrno, $previous);
    }
}
