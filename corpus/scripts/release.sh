#!/bin/sh
# Publishes a release: GitHub release, Grafana dashboards, Discord announcement.
# Test corpus for leakhound: every token in this file is fake, generated at random.
set -eu
VERSION="$1"

export GH_TOKEN=ghs_M1PZumSLKQnK3sZzItHWCHlVx8ia5K1QJyid
gh release create "v$VERSION" dist/*.tar.gz --notes-file docs/README.md

GRAFANA_URL=https://grafana.acme-shop.internal
GRAFANA_TOKEN="glsa_p6ZratwMwNoitjyVnFKkm0C2Px39AD9c_8af676ae"
for f in dashboards/*.json; do
  curl -sf -H "Authorization: Bearer $GRAFANA_TOKEN" -H "Content-Type: application/json" \
    -d @"$f" "$GRAFANA_URL/api/dashboards/db"
done

curl -sf -H "Content-Type: application/json" \
  -d "{\"content\": \"acme-shop $VERSION is out\"}" \
  "https://discord.com/api/webhooks/1055492135459780987/moAmltYiRQ2_z9Z_JO94sKHzFL0Fejaie2e42fMKPPwhNVHjS-Q-iahyGXfsyJQE9Wuj"
