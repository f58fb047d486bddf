<?php

declare(strict_types=1);

namespace Herald\Exception;

/** A 5xx: Herald failed; the same request may succeed later. */
class ServerException extends HttpException
{
}
