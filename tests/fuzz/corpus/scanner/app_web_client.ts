// API clients used by the storefront server.
// Test corpus for leakhound: every token in this file is fake, generated at random.
import { Octokit } from "@octokit/rest";
import OpenAI from "openai";

const octokit = new Octokit({
  auth: "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",
  userAgent: "acme-shop-web/2.14",
});

export const openai = new OpenAI({
  apiKey: "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",
});

export const fallbackOpenai = new OpenAI({ apiKey: process.env.OPENAI_API_KEY });

export async function latestRelease(): Promise<string> {
  const { data } = await octokit.repos.getLatestRelease({ owner: "acme-shop", repo: "web" });
  return data.tag_name;
}
