-- Login throttling counts failures per account, per address group (IPv4 address or IPv6 /64)
-- and per (account, address group); see app/services/login-throttle.server.ts.
ALTER TABLE "login_attempts" ADD COLUMN "ip_group" TEXT NOT NULL DEFAULT '';
UPDATE "login_attempts" SET "ip_group" = "ip";
ALTER TABLE "login_attempts" ALTER COLUMN "ip_group" DROP DEFAULT;

DROP INDEX "login_attempts_email_ip_created_at_idx";
CREATE INDEX "login_attempts_email_created_at_idx" ON "login_attempts"("email", "created_at");
CREATE INDEX "login_attempts_ip_group_created_at_idx" ON "login_attempts"("ip_group", "created_at");
-- Pruning deletes the oldest rows first.
CREATE INDEX "login_attempts_created_at_idx" ON "login_attempts"("created_at");
