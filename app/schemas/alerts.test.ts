import { expect, it } from "vitest";
import { channelInput, ruleInput, splitChannelInput } from "./alerts.ts";

it("form input for an email channel splits into config and the secret part", () => {
  const parsed = channelInput.parse({
    type: "email", name: " Ops mail ", smtpHost: "smtp.example.com", smtpPort: "465", secure: "on", username: "",
    password: "pw-123", from: "tollgate@example.com", to: "ops@example.com, cfo@example.com",
  });
  expect(splitChannelInput(parsed)).toEqual({
    type: "email", name: "Ops mail", enabled: false,
    config: { source: "panel", smtpHost: "smtp.example.com", smtpPort: 465, secure: true, from: "tollgate@example.com", to: ["ops@example.com", "cfo@example.com"] },
    secret: { password: "pw-123" },
  });
});

it("webhook, Slack and PagerDuty: secrets go to the secret part, defaults apply", () => {
  expect(splitChannelInput(channelInput.parse({ type: "webhook", name: "Hook", enabled: true, url: "https://h.example.com/x", signingSecret: "12345678" }))).toEqual({
    // The webhook URL is a secret too (it often embeds a token): sealed, never in config.
    type: "webhook", name: "Hook", enabled: true, config: { source: "panel" }, secret: { url: "https://h.example.com/x", signingSecret: "12345678" },
  });
  expect(splitChannelInput(channelInput.parse({ type: "slack", name: "S", enabled: true, webhookUrl: "https://hooks.slack.com/services/a" })).secret).toEqual({
    webhookUrl: "https://hooks.slack.com/services/a",
  });
  expect(splitChannelInput(channelInput.parse({ type: "pagerduty", name: "P", enabled: true, routingKey: "rk" })).config).toEqual({
    source: "panel", eventsUrl: "https://events.pagerduty.com/v2/enqueue",
  });
});

it("bad input names the field", () => {
  const r = channelInput.safeParse({ type: "webhook", name: "", url: "ftp://x", signingSecret: "short" });
  expect(r.success).toBe(false);
  expect(r.error!.issues.map((i) => [i.path.join("."), i.message])).toEqual([
    ["name", "required"],
    ["url", "must be an http(s):// URL"],
    ["signingSecret", "at least 8 characters"],
  ]);
  const mail = channelInput.safeParse({ type: "email", name: "m", smtpHost: "h", smtpPort: "25", from: "a@b", to: "not-an-address" });
  expect(mail.error!.issues.map((i) => i.path.join("."))).toEqual(["to.0"]);
});

it("rule params per kind", () => {
  expect(ruleInput.parse({ kind: "quota_threshold", channelId: "8c2f4a4e-3b1a-4c57-9d0e-6f3e2b1a0c9d", params: { thresholds: ["90"], resource: "llm" } })).toEqual({
    kind: "quota_threshold", channelId: "8c2f4a4e-3b1a-4c57-9d0e-6f3e2b1a0c9d", enabled: false, params: { thresholds: [90], resource: "llm" },
  });
  expect(ruleInput.safeParse({ kind: "anomaly", channelId: "8c2f4a4e-3b1a-4c57-9d0e-6f3e2b1a0c9d", params: { minSeverity: "loud" } }).success).toBe(false);
});
