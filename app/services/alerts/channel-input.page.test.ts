// A channel form → the flat input the channel schema validates: text trimmed, blank absent,
// checkboxes as booleans, secrets as typed and only when given, and never echoed back.
import { describe, expect, it } from "vitest";
import { CHANNEL_TYPES, channelFormValues, configFieldsOf, secretFieldsOf, withoutSecrets } from "./channel-input.page.server.ts";

const form = (entries: [string, string][]) => {
  const f = new FormData();
  for (const [k, v] of entries) f.append(k, v);
  return f;
};

describe("the fields of each channel type", () => {
  it("lists config and secret fields per type", () => {
    expect(CHANNEL_TYPES).toEqual(["slack", "email", "pagerduty", "webhook"]);
    expect(CHANNEL_TYPES.map((t) => [t, configFieldsOf(t), secretFieldsOf(t)])).toEqual([
      ["slack", [], ["webhookUrl"]],
      ["email", ["smtpHost", "smtpPort", "secure", "username", "from", "to"], ["password"]],
      ["pagerduty", ["eventsUrl"], ["routingKey"]],
      ["webhook", [], ["url", "signingSecret"]],
    ]);
  });
});

describe("channelFormValues / withoutSecrets", () => {
  it("reads an email channel: text trimmed, blank absent, unticked box false, the secret as typed", () => {
    const values = channelFormValues(
      form([
        ["type", "email"],
        ["name", " Ops mail "],
        ["enabled", "on"],
        ["smtpHost", " smtp.example.com "],
        ["smtpPort", "587"],
        ["username", "  "],
        ["from", "alerts@example.com"],
        ["to", "a@example.com, b@example.com"],
        ["password", " pass word "],
        ["source", "env"],
      ]),
    );
    expect(values).toStrictEqual({
      type: "email",
      fields: {
        type: "email",
        name: "Ops mail",
        enabled: true,
        smtpHost: "smtp.example.com",
        smtpPort: "587",
        secure: false,
        username: undefined,
        from: "alerts@example.com",
        to: "a@example.com, b@example.com",
        password: " pass word ",
      },
    });
    expect(withoutSecrets(values)).toStrictEqual({
      type: "email",
      name: "Ops mail",
      enabled: true,
      smtpHost: "smtp.example.com",
      smtpPort: "587",
      secure: false,
      username: undefined,
      from: "alerts@example.com",
      to: "a@example.com, b@example.com",
    });
  });

  it("leaves a blank secret out (keep the stored one) and never returns a secret to the form", () => {
    const values = channelFormValues(form([["type", "webhook"], ["name", "Hook"], ["url", "https://hooks.example.com/t/abc"], ["signingSecret", "   "]]));
    expect(values.fields).toStrictEqual({ type: "webhook", name: "Hook", enabled: false, url: "https://hooks.example.com/t/abc" });
    expect(withoutSecrets(values)).toStrictEqual({ type: "webhook", name: "Hook", enabled: false });
  });

  it("keeps only the common fields of an unknown type, for the schema to refuse", () => {
    const values = channelFormValues(form([["type", "sms"], ["routingKey", "x"], ["webhookUrl", "https://x"]]));
    expect(values).toStrictEqual({ type: "sms", fields: { type: "sms", name: "", enabled: false } });
    expect(withoutSecrets(values)).toStrictEqual({ type: "sms", name: "", enabled: false });
    expect(channelFormValues(new FormData())).toStrictEqual({ type: "", fields: { type: "", name: "", enabled: false } });
  });
});
