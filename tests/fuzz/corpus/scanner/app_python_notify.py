"""Order notifications (Slack, SMS, CRM). Test corpus: every token here is fake."""
import json
import urllib.request

from slack_sdk import WebClient
from slack_sdk.socket_mode import SocketModeClient
from twilio.rest import Client

SLACK_BOT_TOKEN = "xoxb-153398316932-1129314652484-BNtqrTmph8RdEMRLRBcq7vOQ"
SLACK_APP_TOKEN = "xapp-1-A0BXKSEGYR9-3409734166196-dfc2233d64ff667780db5b2a676e3ff15ff1dc0eade9408fac369adddb3a7a04"
ORDERS_WEBHOOK = "https://hooks.slack.com/services/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"

TWILIO_ACCOUNT_SID = "ACe676431de809079d1d00815acad15474"
TWILIO_AUTH_TOKEN = "6abd1fa59bfc647a0422498a78dba91c"

HUBSPOT_TOKEN = "pat-na1-5b54ecc5-32e4-3bd9-a814-c531f8363ce6"
HUBSPOT_CONTACTS = "https://api.hubapi.com/crm/v3/objects/contacts"

slack = WebClient(token=SLACK_BOT_TOKEN)
socket = SocketModeClient(app_token=SLACK_APP_TOKEN, web_client=slack)
sms = Client(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN)


def post_order(order_id: str, total: str) -> None:
    body = json.dumps({"text": f"New order {order_id}: {total}"}).encode()
    req = urllib.request.Request(ORDERS_WEBHOOK, data=body, headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=5)


def push_contact(email: str, name: str) -> None:
    body = json.dumps({"properties": {"email": email, "firstname": name}}).encode()
    req = urllib.request.Request(HUBSPOT_CONTACTS, data=body, headers={
        "Authorization": f"Bearer {HUBSPOT_TOKEN}", "Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10)


def cleanup_channel(channel: str = "C07ORDERS1") -> None:
    """Deletes old bot messages; needs a user token with chat:write (workspace admin)."""
    admin = WebClient(token="xoxp-405139346057-304920887151-7604045827752-8fd31c9a496f5a0e979a8e23e8b6d28e")
    for msg in admin.conversations_history(channel=channel, limit=200)["messages"]:
        if msg.get("bot_id"):
            admin.chat_delete(channel=channel, ts=msg["ts"])
