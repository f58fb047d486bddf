<?php

declare(strict_types=1);

// HERALD_URL=http://localhost:3000 HERALD_API_KEY=<key> php examples/push.php [userId]
// With Composer, `require 'vendor/autoload.php';` instead of the line below.
require __DIR__ . '/../src/autoload.php';

use Herald\Client;
use Herald\Exception\ClientException;
use Herald\Exception\HeraldException;

$url = getenv('HERALD_URL') ?: 'http://localhost:3000';
$key = getenv('HERALD_API_KEY');
if (!$key) {
    fwrite(STDERR, "Set HERALD_API_KEY (demo mode prints a demo key at start-up; admins create keys with POST /api/api-keys).\n");
    exit(2);
}
$userId = $argv[1] ?? '2';

$herald = new Client($url, $key, ['timeout' => 5, 'retries' => 2]);
try {
    echo "user {$userId} is " . ($herald->isOnline($userId) ? 'online' : 'offline') . "\n";
    $result = $herald->sendToUser($userId, 'payment.received', 'Payment received', [
        'body' => 'Invoice INV-7 was paid',
        'data' => ['invoice' => 'INV-7'],
        'idempotencyKey' => 'inv-7-paid', // the same key again creates nothing new
    ]);
    printf("notification %s: %d recipient(s), %d online\n", implode(',', $result->ids), $result->recipients, $result->online);
    $room = $herald->sendToRoom('role:warehouse', 'stock.low', 'Stock of SKU-42 is low', ['data' => ['sku' => 'SKU-42']]);
    printf("warehouse: %d recipient(s)\n", $room->recipients);
} catch (ClientException $e) {
    // 4xx: the request is wrong; the message is the server's, naming the field.
    fwrite(STDERR, "refused ({$e->status}): {$e->getMessage()} [request {$e->requestId}]\n");
    exit(1);
} catch (HeraldException $e) {
    // 5xx after the retries, or no answer at all.
    fwrite(STDERR, get_class($e) . ": {$e->getMessage()}\n");
    exit(1);
}
