// Slack mrkdwn: tenant-chosen text can never become a mention, a link or an entity on a platform
// channel — `& < >` are escaped in every field that Slack parses.
import { expect, it } from "vitest";
import type { AlertMessage } from "../message.server.ts";
import { slackBody, slackEscape } from "./slack.server.ts";

process.env.PUBLIC_URL = "https://tollgate.example.com";

it("escapes & < > and nothing else", () => {
  expect(slackEscape("<!channel> & <@U123> <https://evil.example|click> *bold* _it_")).toBe("&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|click&gt; *bold* _it_");
  expect(slackEscape("&amp;")).toBe("&amp;amp;"); // already-escaped text stays literal text
});

it("every tenant-chosen value in the message is escaped: summary, fact labels and values, dedupe key", () => {
  const m: AlertMessage = {
    kind: "quota_threshold",
    severity: "warning",
    summary: "<!channel> Evil & Co: LLM quota at 81%",
    facts: [
      { label: "Tenant", value: "<!here> Evil & Co (evil)" },
      { label: "Touchpoint <x>", value: "<https://phish.example|Reset your password>" },
      { label: "User", value: "<@U0ADMIN>" },
    ],
    link: "/t/evil",
    tenantId: "t1",
    dedupeKey: "quota:<q>:&",
    occurredAt: "2026-12-02T00:00:00.000Z",
  };
  expect(slackBody(m)).toEqual({
    text: ":warning: &lt;!channel&gt; Evil &amp; Co: LLM quota at 81%",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Quota threshold crossed", emoji: true } },
      { type: "section", text: { type: "mrkdwn", text: ":warning: *&lt;!channel&gt; Evil &amp; Co: LLM quota at 81%*" } },
      {
        type: "section",
        fields: [
          { type: "mrkdwn", text: "*Tenant*\n&lt;!here&gt; Evil &amp; Co (evil)" },
          { type: "mrkdwn", text: "*Touchpoint &lt;x&gt;*\n&lt;https://phish.example|Reset your password&gt;" },
          { type: "mrkdwn", text: "*User*\n&lt;@U0ADMIN&gt;" },
        ],
      },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Open in Tollgate" }, url: "https://tollgate.example.com/t/evil" }] },
      { type: "context", elements: [{ type: "mrkdwn", text: "warning · 2026-12-02T00:00:00.000Z · quota:&lt;q&gt;:&amp;" }] },
    ],
  });
});
