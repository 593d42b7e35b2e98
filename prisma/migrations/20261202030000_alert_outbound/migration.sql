-- Outbound policy for alert channels (ADR 0006).
-- What a tenant admin may read about a failed delivery: a generic outcome ("timed out", "not
-- sent: address not allowed", "rejected by receiver (HTTP 500)"); last_error keeps the detail
-- (the receiver's words, the error text) for staff only.
ALTER TABLE "alert_events" ADD COLUMN "last_outcome" TEXT;

-- "Send test" rate limit: one row per test send; the limit counts a channel's rows in the last
-- minute, so it holds across instances.
CREATE TABLE "alert_test_sends" (
    "id" BIGSERIAL NOT NULL,
    "channel_id" UUID NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "alert_test_sends_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "alert_test_sends_channel_id_sent_at_idx" ON "alert_test_sends"("channel_id", "sent_at");

ALTER TABLE "alert_test_sends" ADD CONSTRAINT "alert_test_sends_channel_id_fkey" FOREIGN KEY ("channel_id") REFERENCES "alert_channels"("id") ON DELETE CASCADE ON UPDATE CASCADE;
