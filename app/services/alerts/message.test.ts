// What every channel says about an alert: the link made absolute against PUBLIC_URL, the plain
// text of email and logs, and the HTML body with every value escaped (summaries and facts carry
// tenant-chosen names).
process.env.PUBLIC_URL = "https://tollgate.example.com/";
import { describe, expect, it } from "vitest";
import { absoluteLink, html, plainText, type AlertMessage } from "./message.server.ts";

const message: AlertMessage = {
  kind: "quota_exceeded",
  severity: "critical",
  summary: `Acme <script>alert("x")</script> & Co exceeded its daily LLM quota`,
  facts: [
    { label: "Spent", value: "$25.10" },
    { label: "Limit", value: "$25.00 <b>" },
  ],
  link: "/t/acme",
  tenantId: "t-1",
  dedupeKey: "quota:q-1:2026-12-02:100",
  occurredAt: "2026-12-02T10:00:00.000Z",
};

describe("absoluteLink", () => {
  it("puts panel paths under PUBLIC_URL (without its trailing slash) and keeps absolute links", () => {
    expect(absoluteLink("/t/acme")).toBe("https://tollgate.example.com/t/acme");
    expect(absoluteLink("records?tenant=acme")).toBe("https://tollgate.example.com/records?tenant=acme");
    expect(absoluteLink("https://elsewhere.example/x")).toBe("https://elsewhere.example/x");
    expect(absoluteLink(null)).toBe(null);
    expect(absoluteLink("")).toBe(null);
  });
});

describe("plainText", () => {
  it("is severity and summary, the facts, the link, and kind · time · dedupe key", () => {
    expect(plainText(message)).toBe(
      [
        `[CRITICAL] Acme <script>alert("x")</script> & Co exceeded its daily LLM quota`,
        "",
        "Spent: $25.10",
        "Limit: $25.00 <b>",
        "",
        "Open in Tollgate: https://tollgate.example.com/t/acme",
        "",
        "Quota exceeded · 2026-12-02T10:00:00.000Z · quota:q-1:2026-12-02:100",
      ].join("\n"),
    );
  });

  it("leaves the link line out when there is none", () => {
    expect(plainText({ ...message, kind: "test", link: null, facts: [] })).toBe(
      [`[CRITICAL] ${message.summary}`, "", "", "Test alert · 2026-12-02T10:00:00.000Z · quota:q-1:2026-12-02:100"].join("\n"),
    );
  });
});

describe("html", () => {
  it("escapes every value", () => {
    const out = html(message);
    expect(out).not.toContain("<script>");
    expect(out).not.toContain("<b>");
    expect(out.split("\n")).toEqual([
      `<p><strong>Acme &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co exceeded its daily LLM quota</strong></p>`,
      `<table><tr><th align="left" style="padding:2px 12px 2px 0">Spent</th><td>$25.10</td></tr>` +
        `<tr><th align="left" style="padding:2px 12px 2px 0">Limit</th><td>$25.00 &lt;b&gt;</td></tr></table>`,
      `<p><a href="https://tollgate.example.com/t/acme">Open in Tollgate</a></p>`,
      `<p style="color:#666">Quota exceeded · critical · 2026-12-02T10:00:00.000Z</p>`,
    ]);
  });

  it("escapes a link's quotes, so it cannot leave the href", () => {
    expect(html({ ...message, link: `https://x.example/"><img src=x>` })).toContain(
      `<a href="https://x.example/&quot;&gt;&lt;img src=x&gt;">`,
    );
  });
});
