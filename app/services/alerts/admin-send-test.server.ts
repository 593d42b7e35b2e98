// "Send test" from the panel: the scope check (a tenant admin may only test their own
// channels), then alerts-core's sendTestAlert, which sends right now, outside the outbox.
import { getChannel } from "./admin-channels.server.ts";
import type { AlertScope } from "./admin-scope.server.ts";
import { sendTestAlert } from "./delivery.server.ts";

export async function sendChannelTest(scope: AlertScope, channelId: string): Promise<{ ok: boolean; status: number | null; response: string }> {
  const channel = await getChannel(scope, channelId); // not_found for channels outside the scope
  return sendTestAlert(channel.id);
}
