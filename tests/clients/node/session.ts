// The README's session through a client generated from openapi.yaml: openapi-typescript's types
// and openapi-fetch. Compiled with `tsc --strict` (no cast anywhere: every answer is read through
// the generated types) and run with node: `node session.js BASE_URL`, which prints every exchange
// as one JSON line, then `session done`.
import createClient from "openapi-fetch";

import type { components, paths } from "./schema.js";

type Batch = components["schemas"]["Batch"];
type ErrorEnvelope = components["schemas"]["Error"];

interface Exchange {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

// Node's own global, declared rather than typed by a package: the session needs only its argv.
declare const process: { argv: string[] };

const [baseUrl] = process.argv.slice(2);
if (!baseUrl) throw new Error("usage: node session.js BASE_URL");
const ACME = "sk_test_acme_mock_secret";
const SLUG = "summer-promo";

let answers = 0;
const sent = new Map<Request, string>();

function client(secret: string | null) {
  const made = createClient<paths>({ baseUrl, headers: secret === null ? {} : { "X-API-Secret": secret } });
  made.use({
    async onRequest({ request }) {
      sent.set(request, request.body === null ? "" : await request.clone().text());
      return request;
    },
    async onResponse({ request, response }) {
      answers += 1;
      const exchange: Exchange = {
        method: request.method,
        url: request.url,
        requestHeaders: Object.fromEntries(request.headers.entries()),
        requestBody: sent.get(request) ?? "",
        status: response.status,
        responseHeaders: Object.fromEntries(response.headers.entries()),
        responseBody: await response.clone().text(),
      };
      console.log(JSON.stringify(exchange));
      return response;
    },
  });
  return made;
}

function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(`expected ${what}`);
}

function refused(error: ErrorEnvelope | undefined, status: number, message: string): void {
  check(error !== undefined, `an error envelope for ${message}`);
  if (error === undefined) return;
  check(error.status === "error" && error.code === status, `status ${status}, got ${error.code}`);
  check(error.message === message, `message ${message}, got ${error.message}`);
}

const acme = client(ACME);

// Generate 5 codes of 250 points, without expiry.
const generated = await acme.POST("/v1/campaigns/codes/generate", {
  body: { slug: SLUG, batchSize: 5, pointsValue: 250, label: "TypeScript client" },
});
if (generated.data === undefined) throw new Error(`generate failed: ${generated.response.status}`);
const batch: Batch = generated.data.data.batch;
const codes: string[] = generated.data.data.codes;
check(generated.data.data.count === 5 && codes.length === 5, "5 codes");
check(batch.expiresAt === null && batch.label === "TypeScript client", "the batch as asked");
const [code] = codes;
if (code === undefined) throw new Error("no code");

// The new batch heads the list.
const listed = await acme.GET("/v1/campaigns/codes/batches", { params: { query: { slug: SLUG, page: 1, limit: 10 } } });
if (listed.data === undefined) throw new Error("list failed");
check(listed.data.data.batches[0]?.id === batch.id, "the new batch first");
check(listed.data.data.total === 3 && listed.data.data.page === 1 && listed.data.data.limit === 10, "total 3");

// Verify: valid, then redeem, then redeemed; an unknown code is not found.
const valid = await acme.POST("/v1/campaigns/codes/verify", { body: { code } });
if (valid.data === undefined) throw new Error("verify failed");
check(valid.data.data.valid && valid.data.data.status === "ACTIVE", "a valid, ACTIVE code");
check(valid.data.data.pointsValue === 250 && valid.data.data.message === "Code is valid and redeemable", "250 points");

const redeemed = await acme.POST("/v1/campaigns/{slug}/redeem", {
  params: { path: { slug: SLUG } },
  body: { code, userId: "user-42" },
});
if (redeemed.data === undefined) throw new Error("redeem failed");
check(redeemed.data.data.pointsAwarded === 250 && redeemed.data.data.batchId === batch.id, "250 points awarded");

const again = await acme.POST("/v1/campaigns/codes/verify", { body: { code } });
if (again.data === undefined) throw new Error("verify failed");
check(!again.data.data.valid && again.data.data.status === "REDEEMED", "a REDEEMED code");
check(again.data.data.message === "Code status is REDEEMED", "Code status is REDEEMED");

const twice = await acme.POST("/v1/campaigns/{slug}/redeem", {
  params: { path: { slug: SLUG } },
  body: { code, userId: "user-43" },
});
refused(twice.error, 409, "Code status is REDEEMED");

const unknown = await acme.POST("/v1/campaigns/codes/verify", { body: { code: "SUMM-ZZZZ2222" } });
if (unknown.data === undefined) throw new Error("verify failed");
check(!unknown.data.data.valid && unknown.data.data.status === "", "an empty status for a code not found");
check(unknown.data.data.pointsValue === 0 && unknown.data.data.campaignName === "", "the zero values");

// The counts of a mock that ran this session: the fixtures' 150 codes and these 5.
const stats = await acme.GET("/v1/campaigns/codes/stats", { params: { query: { slug: SLUG } } });
if (stats.data === undefined) throw new Error("stats failed");
const counts = stats.data.data;
check(counts.totalCodes === 155 && counts.activeCodes === 52 && counts.redeemedCodes === 2, "155 codes, 2 redeemed");
check(counts.expiredCodes === 100 && counts.revokedCodes === 1 && counts.totalBatches === 3, "3 batches");

// A documented error of each operation.
const tooMany = await acme.POST("/v1/campaigns/codes/generate", {
  body: { slug: SLUG, batchSize: 10001, pointsValue: 500 },
});
refused(tooMany.error, 400, "batchSize must be between 1 and 10000");
const noCampaign = await acme.GET("/v1/campaigns/codes/batches", { params: { query: { slug: "no-such-campaign" } } });
refused(noCampaign.error, 404, "Campaign not found");
const noSecret = await client(null).POST("/v1/campaigns/codes/verify", { body: { code } });
refused(noSecret.error, 401, "Missing X-API-Secret header");
const noStats = await acme.GET("/v1/campaigns/codes/stats", { params: { query: { slug: "no-such-campaign" } } });
refused(noStats.error, 404, "Campaign not found");
const revoked = await client("sk_test_acme_revoked_secret").POST("/v1/campaigns/{slug}/redeem", {
  params: { path: { slug: SLUG } },
  body: { code, userId: "user-44" },
});
refused(revoked.error, 403, "API key has been revoked");

console.log(`session done: ${answers} answers`);
