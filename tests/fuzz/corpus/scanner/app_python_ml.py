"""Product description generation. Test corpus: every key here is fake."""
import os

import boto3
import openai
from huggingface_hub import HfApi

openai.api_key = "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"
hub = HfApi(token="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")

# Bedrock long-term API key for the batch job account.
os.environ.setdefault("AWS_BEARER_TOKEN_BEDROCK", "ABSKQmVkcm9ja0FQSUtleS1tMDdvLWF0LTIyODM4OTY5ODQ2ODplUUo5R0VOSk1NYnZnREpndysrVzEwUlVVQVNxcFNldW1hb1lJM3NtVHBUUGJBWHV3Zm1za3JTVG56VUY")
bedrock = boto3.client("bedrock-runtime", region_name="eu-west-1")

MODEL = os.environ.get("DESCRIPTION_MODEL", "gpt-4o-mini")
