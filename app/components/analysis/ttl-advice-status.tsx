// Where the TTL advice on a page comes from: the analysis job stores it, so the page says when it
// was computed and which sandbox runs it covers — or, before the first run, that there is none yet
// and how to get it. Shared by the cost-optimization page and the tenant page.
import { formatInstant } from "~/components/charts/forecast-chart.tsx";
import type { TtlSummary } from "~/services/ttl-advice.page.server.ts";

type Computed = NonNullable<TtlSummary["computed"]>;

const schedule = (hours: number) =>
  hours <= 0 ? "its schedule is off (ANALYSIS_INTERVAL_HOURS=0)" : hours === 1 ? "it runs every hour" : `it runs every ${hours} hours`;

export function TtlAdviceComputed({ computed, refreshEveryHours }: { computed: Computed; refreshEveryHours: number }) {
  return (
    <p className="muted ttl-computed" data-testid="ttl-computed">
      Computed {formatInstant(computed.at)} UTC from the sandbox runs of {formatInstant(computed.windowFrom)} –{" "}
      {formatInstant(computed.windowTo)} UTC by the analysis ({schedule(refreshEveryHours)}).
    </p>
  );
}

/**
 * Before the analysis has stored any advice. `howToRun`: staff can start a run, tenant admins
 * cannot. `heading`: h3 inside a section that has its own h2.
 */
export function NoTtlAdviceYet(props: { refreshEveryHours: number; howToRun: boolean; heading?: "h2" | "h3" }) {
  const { refreshEveryHours, howToRun, heading: Heading = "h2" } = props;
  return (
    <div className="empty-state" role="status" data-testid="ttl-no-advice">
      <Heading>No advice yet</Heading>
      <p>
        The analysis computes sandbox TTL advice and has not stored any yet: {schedule(refreshEveryHours)}.
        {howToRun && (
          <>
            {" "}
            To compute it now, run <code>npm run analyze</code> or call <code>POST /api/v1/analysis/run</code> with a platform API key.
          </>
        )}
      </p>
    </div>
  );
}
