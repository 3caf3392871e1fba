// The README's main flows written against the client a web-tier developer generates from /openapi/v1.json:
// openapi-typescript's types (generated/connects.ts, from the live document) and openapi-fetch. TypeScriptClientTests
// compiles this with `tsc --noEmit`: every body, answer and refusal below is typed by the document, with no casts, so a
// change of the contract that would break such a client fails the test.
import createClient from "openapi-fetch";
import type { paths } from "./generated/connects";

export async function walkThrough(baseUrl: string, token: string): Promise<string[]> {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });
  const seen: string[] = [];

  // Open a wallet on the free plan: 10 Connects for this month.
  const opened = await api.POST("/v1/freelancers/{freelancerId}/wallet", {
    params: { path: { freelancerId: "ada" } },
    body: { plan: "basic" },
  });
  if (opened.error) throw new Error(opened.error.detail);
  const balance: number = opened.data.balance;
  seen.push(`opened with ${balance}, next refresh ${opened.data.nextRefreshAt}`);

  // Buy 40 Connects; the same paymentReference again changes nothing.
  const bought = await api.POST("/v1/freelancers/{freelancerId}/purchases", {
    params: { path: { freelancerId: "ada" } },
    body: { bundle: 40, paymentReference: "pay_001" },
  });
  if (bought.error) throw new Error(`${bought.error.type}: ${bought.error.detail}`);
  const price: string = bought.data.priceUsd;
  seen.push(`bought ${bought.data.connects} for $${price}`);

  // A client posts a job; the answer shows its price in Connects.
  const posted = await api.PUT("/v1/jobs/{jobId}", {
    params: { path: { jobId: "logo-42" } },
    body: { clientId: "acme", budgetUsd: 800, budgetType: "fixed", duration: "1-4-weeks", category: "design" },
  });
  if (posted.error) throw new Error(posted.error.detail);
  const connectsRequired: number = posted.data.connectsRequired;

  // Submit a proposal saying the most we accept to pay; a retry answers 200 with the same proposal.
  for (let attempt = 0; attempt < 2; attempt++) {
    const submitted = await api.POST("/v1/jobs/{jobId}/proposals", {
      params: { path: { jobId: "logo-42" } },
      body: { freelancerId: "ada", expectedConnects: connectsRequired },
    });
    if (submitted.error) throw new Error(submitted.error.detail);
    seen.push(`${submitted.response.status}: charged ${submitted.data.connectsCharged}, balance ${submitted.data.balance}`);
  }

  // Bid 3 Connects for one of the 4 boosted spots, then raise it to 5: the raise charges only the difference (2).
  for (const bid of [3, 5]) {
    const boosted = await api.PUT("/v1/jobs/{jobId}/proposals/{freelancerId}/boost", {
      params: { path: { jobId: "logo-42", freelancerId: "ada" } },
      body: { bid },
    });
    if (boosted.error) throw new Error(`${boosted.error.type}: ${boosted.error.detail}`);
    const charged: number = boosted.data.charged;
    seen.push(`bid ${boosted.data.bid}: charged ${charged}, boosted ${boosted.data.boosted}, balance ${boosted.data.balance}`);
  }

  // 409 bid-not-higher: the problem says the bid held now and the request field at fault.
  const notHigher = await api.PUT("/v1/jobs/{jobId}/proposals/{freelancerId}/boost", {
    params: { path: { jobId: "logo-42", freelancerId: "ada" } },
    body: { bid: 4 },
  });
  if (notHigher.error && "currentBid" in notHigher.error) {
    const current: number | undefined = notHigher.error.currentBid;
    const field: string | undefined = notHigher.error.field;
    seen.push(`${notHigher.error.type}: ${field} must be above ${current}`);
  }

  // The client's list in rank order: the boosted proposals first.
  const ranked = await api.GET("/v1/jobs/{jobId}/proposals", { params: { path: { jobId: "logo-42" } } });
  if (ranked.error) throw new Error(ranked.error.detail);
  for (const p of ranked.data.proposals) seen.push(`${p.freelancerId} ${p.status} boosted ${p.boosted} with ${p.boostBid}`);

  // 409 price-changed: the problem says the price to accept.
  const tooLow = await api.POST("/v1/jobs/{jobId}/proposals", {
    params: { path: { jobId: "logo-42" } },
    body: { freelancerId: "bob", expectedConnects: 1 },
  });
  if (tooLow.error && "connectsRequired" in tooLow.error) {
    const now: number | undefined = tooLow.error.connectsRequired;
    seen.push(`${tooLow.error.type}: now ${now}`);
  }

  // 402 insufficient-connects: required, available and nextRefreshAt are typed fields of the problem.
  const broke = await api.POST("/v1/jobs/{jobId}/proposals", {
    params: { path: { jobId: "logo-43" } },
    body: { freelancerId: "carol", expectedConnects: 20 },
  });
  if (broke.error && "required" in broke.error) {
    const { required, available, nextRefreshAt } = broke.error;
    const short: number = required - available;
    seen.push(`${broke.error.type}: ${short} short until ${nextRefreshAt}`);
  }

  // 400 names each field at fault in errors.
  const invalid = await api.POST("/v1/freelancers/{freelancerId}/purchases", {
    params: { path: { freelancerId: "ada" } },
    body: { bundle: 30, paymentReference: "pay_002" },
  });
  if (invalid.error && "errors" in invalid.error) {
    const fields: string[] = Object.keys(invalid.error.errors ?? {});
    seen.push(`${invalid.error.title} ${fields.join(", ")}`);
  }

  // The history, newest first: days is 7, 30 or 90; JSON, or CSV with Accept: text/csv.
  const history = await api.GET("/v1/freelancers/{freelancerId}/history", {
    params: { path: { freelancerId: "ada" }, query: { days: 30, limit: 50 } },
  });
  if (history.error) throw new Error(history.error.detail);
  // The 200 answer is JSON or CSV (text/csv): the type says so, and the JSON one is told apart from the text.
  if (typeof history.data !== "string") {
    for (const entry of history.data.entries) seen.push(`${entry.at} ${entry.kind} ${entry.amount} -> ${entry.balanceAfter}`);
    const next: string | null = history.data.nextCursor;
    seen.push(`next page: ${next ?? "none"}`);
  }

  const csv = await api.GET("/v1/freelancers/{freelancerId}/history", {
    params: { path: { freelancerId: "ada" }, query: { days: 90 } },
    headers: { Accept: "text/csv" },
    parseAs: "text",
  });
  if (csv.data !== undefined) seen.push(csv.data);

  return seen;
}
