<?php

declare(strict_types=1);

namespace Herald\Exception;

/** Every error this client throws; catch this one to handle them all. */
class HeraldException extends \RuntimeException
{
}
