<?php

declare(strict_types=1);

namespace Herald\Exception;

/** A 4xx: the request is wrong (bad field, bad key, too large); retrying it unchanged will not help. */
class ClientException extends HttpException
{
}
