// A small rule set for engine tests, independent of the built-in rules.
#pragma once

inline constexpr const char* kEngineRulesYaml = R"yaml(
rules:
  - id: t.ghp
    name: GitHub-style token
    severity: critical
    pattern: '\b(ghp_[A-Za-z0-9]{36})\b'
    checksum: github_crc32
  - id: t.generic_token
    name: generic token assignment
    severity: low
    pattern: '(?i)token\s*=\s*"([^"\s]{8,64})"'
    min_entropy: 3.0
    tags: [generic]
  - id: t.keyword
    name: secret with a keyword
    severity: high
    pattern: '(?i)(?:api|secret)_?[a-z]*\s*[:=]\s*([A-Za-z0-9/+]{40})\b'
    keywords: [secret]
  - id: t.block
    name: multi-line block
    severity: high
    pattern: '(-----BEGIN TEST KEY-----[\s\S]{16,1000}?-----END TEST KEY-----)'
    max_length: 8192
)yaml";
