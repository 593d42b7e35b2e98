// Dispatch by channel type: the one place that knows which sender serves which channel.
import type { LoadedChannel } from "../channels.server.ts";
import type { AlertMessage } from "../message.server.ts";
import { sendEmail } from "./email.server.ts";
import type { SendResult } from "./http.server.ts";
import { sendPagerduty } from "./pagerduty.server.ts";
import { sendSlack } from "./slack.server.ts";
import { sendWebhook } from "./webhook.server.ts";

export type { SendResult } from "./http.server.ts";

export function sendToChannel(c: LoadedChannel, m: AlertMessage): Promise<SendResult> {
  switch (c.type) {
    case "slack":
      return sendSlack(c.config, c.secret, m);
    case "email":
      return sendEmail(c.config, c.secret, m);
    case "pagerduty":
      return sendPagerduty(c.config, c.secret, m);
    case "webhook":
      return sendWebhook(c.config, c.secret, m);
  }
}
