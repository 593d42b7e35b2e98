-- What a forecast's rate was drawn from (issue #14): the first day of its window, the days the
-- analysis left out (flagged anomalies) and why, a recognised level shift, short history. The
-- tenant page's forecast chart marks those days. Older rows get the empty object.
ALTER TABLE "forecasts" ADD COLUMN "rate_basis" JSONB NOT NULL DEFAULT '{}';
