<?php

declare(strict_types=1);

// For projects without Composer: require this file once and the Herald\ classes load from src/.
spl_autoload_register(static function (string $class): void {
    if (!str_starts_with($class, 'Herald\\')) {
        return;
    }
    $file = __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen('Herald\\'))) . '.php';
    if (is_file($file)) {
        require $file;
    }
});
