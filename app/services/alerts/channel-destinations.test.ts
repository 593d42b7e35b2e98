// What the channel pages show of a destination: a URL only as its scheme and host (webhook and
// Slack URLs often carry a token in the path or query), never the sealed secret itself.
import { describe, expect, it } from "vitest";
import { destinationLabel, maskUrl } from "./channel-destinations.server.ts";

describe("maskUrl", () => {
  it("keeps scheme, host and port; drops path, query, fragment and credentials", () => {
    expect(maskUrl("https://hooks.slack.com/services/T000/B000/XXXX")).toBe("https://hooks.slack.com/…");
    expect(maskUrl("https://user:pass@hooks.example.com:8443/t/abc?token=s3cret#x")).toBe("https://hooks.example.com:8443/…");
  });

  it("says so for what is not a URL, and null for nothing", () => {
    expect(maskUrl("not a url/with-token")).toBe("(invalid URL)");
    expect(maskUrl("")).toBe(null);
    expect(maskUrl(undefined)).toBe(null);
    expect(maskUrl(42)).toBe(null);
  });
});

describe("destinationLabel", () => {
  it("per channel type", () => {
    expect(destinationLabel("webhook", {}, { url: "https://example.com/hook/abc", signingSecret: "x" })).toBe("https://example.com/…");
    // A webhook saved before URLs were sealed kept its URL in the config.
    expect(destinationLabel("webhook", { url: "https://old.example.com/h" }, {})).toBe("https://old.example.com/…");
    expect(destinationLabel("webhook", {}, {})).toBe("—");
    expect(destinationLabel("slack", {}, { webhookUrl: "https://hooks.slack.com/services/T/B/X" })).toBe("https://hooks.slack.com/…");
    expect(destinationLabel("slack", {}, {})).toBe("Slack incoming webhook");
    expect(destinationLabel("pagerduty", {}, { routingKey: "r" })).toBe("PagerDuty");
    expect(destinationLabel("pagerduty", { eventsUrl: "https://events.eu.pagerduty.com/v2/enqueue" }, {})).toBe("https://events.eu.pagerduty.com/v2/enqueue");
    expect(destinationLabel("email", { to: ["ops@example.com", "fin@example.com"] }, { password: "p" })).toBe("ops@example.com, fin@example.com");
    expect(destinationLabel("email", {}, {})).toBe("—");
  });
});
