<?php
// Storefront back-office configuration (Konfiguration für das Backoffice — ne pas modifier à la main).
// Test corpus for leakhound: every credential in this file is fake, generated at random.

return [
    'db' => [
        'dsn' => 'mysql:host=127.0.0.1;dbname=backoffice',
        'user' => 'backoffice',
        'password' => getenv('DB_PASSWORD'),
    ],
    'ldap' => [
        'uri' => 'ldaps://svc-backoffice:AXYOALoxmxoOpCNGOikW@dc01.corp.acme-shop.internal:636',
        'base_dn' => 'ou=people,dc=corp,dc=acme-shop,dc=internal',
    ],
    'mailer_dsn' => getenv('MAILER_DSN') ?: 'smtp://localhost:1025',
    'telegram' => [
        'bot_token' => '9369548392:AACvgzBF5IX1C-zCD8xU1BiZH4VPjhQebj5',
        'chat_id' => '-1002231875519',
    ],
];
