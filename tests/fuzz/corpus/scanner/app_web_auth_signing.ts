// Signs outgoing webhook payloads (ES256).
// Test corpus for leakhound: the key below is fake, generated for these tests only.
import { createSign } from "crypto";

const PEM_HEADER = "-----BEGIN EC PRIVATE KEY-----";
const PEM_FOOTER = "-----END EC PRIVATE KEY-----";

const signingKey = "-----BEGIN EC PRIVATE KEY-----\n" +
  "MHcCAQEEILYZBMFd3s4kM80VsEpbPQLnrf3VTKoir+3W1tFRElH4oAoGCCqGSM49\n" +
  "AwEHoUQDQgAE4p4Kmzydtlz5aK+EK33FP3YVM2bLVatqFM0Oqc1daFcifuy+CgYU\n" +
  "befVDbHC9I8VQkc4LHWfD4ZGxteq6d2d6g==\n" +
  "-----END EC PRIVATE KEY-----\n";

export function isPem(text: string): boolean {
  return text.startsWith(PEM_HEADER) && text.trimEnd().endsWith(PEM_FOOTER);
}

export function sign(payload: string): string {
  const signer = createSign("SHA256");
  signer.update(payload);
  return signer.sign(signingKey, "base64");
}
