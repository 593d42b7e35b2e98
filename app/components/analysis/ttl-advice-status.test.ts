// What the pages say about stored TTL advice, rendered to text: before the first analysis run
// (with the schedule, and how to run it for staff only), and when and over which runs it was computed.
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { NoTtlAdviceYet, TtlAdviceComputed } from "./ttl-advice-status.tsx";

const text = (html: string) => html.replace(/<[^>]+>/g, "");

describe("TTL advice status", () => {
  it("before the first run: no advice yet, the schedule, and for staff how to run it now", () => {
    expect(text(renderToStaticMarkup(createElement(NoTtlAdviceYet, { refreshEveryHours: 6, howToRun: true })))).toBe(
      "No advice yet" +
        "The analysis computes sandbox TTL advice and has not stored any yet: it runs every 6 hours. " +
        "To compute it now, run npm run analyze or call POST /api/v1/analysis/run with a platform API key.",
    );
    // A tenant admin cannot run it; a switched-off schedule says so.
    const html = renderToStaticMarkup(createElement(NoTtlAdviceYet, { refreshEveryHours: 0, howToRun: false, heading: "h3" }));
    expect(html).toContain("<h3>No advice yet</h3>");
    expect(text(html)).toBe("No advice yetThe analysis computes sandbox TTL advice and has not stored any yet: its schedule is off (ANALYSIS_INTERVAL_HOURS=0).");
  });

  it("after a run: when it was computed and the window of runs, in UTC", () => {
    const computed = { at: "2026-11-23T16:27:41.120Z", windowFrom: "2026-10-24T16:27:41.120Z", windowTo: "2026-11-23T16:27:41.120Z" };
    expect(text(renderToStaticMarkup(createElement(TtlAdviceComputed, { computed, refreshEveryHours: 1 })))).toBe(
      "Computed Nov 23, 16:27 UTC from the sandbox runs of Oct 24, 16:27 – Nov 23, 16:27 UTC by the analysis (it runs every hour).",
    );
  });
});
