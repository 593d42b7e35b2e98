// Merging the Prometheus texts of several server processes into one exposition.
import { expect, it } from "vitest";
import { mergeExpositions } from "./metrics-server.ts";

const worker = (n: number) => `# HELP tollgate_decisions_total Quota decisions
# TYPE tollgate_decisions_total counter
tollgate_decisions_total{op="reserve",outcome="allowed"} ${n}
tollgate_decisions_total{op="reserve",outcome="denied"} 1
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{} 1
# HELP bare_gauge no labels
# TYPE bare_gauge gauge
bare_gauge 7
`;

it("labels every series with its process and writes each family once, all processes' series under it", () => {
  expect(mergeExpositions([{ worker: "1", text: worker(3) }, { worker: "2", text: worker(5) }, { worker: "3", text: null }])).toBe(
    `# HELP tollgate_decisions_total Quota decisions
# TYPE tollgate_decisions_total counter
tollgate_decisions_total{worker="1",op="reserve",outcome="allowed"} 3
tollgate_decisions_total{worker="1",op="reserve",outcome="denied"} 1
tollgate_decisions_total{worker="2",op="reserve",outcome="allowed"} 5
tollgate_decisions_total{worker="2",op="reserve",outcome="denied"} 1
# HELP target_info Target metadata
# TYPE target_info gauge
target_info{worker="1"} 1
target_info{worker="2"} 1
# HELP bare_gauge no labels
# TYPE bare_gauge gauge
bare_gauge{worker="1"} 7
bare_gauge{worker="2"} 7
# HELP tollgate_worker_up Whether the server process answered this scrape (1) or not (0)
# TYPE tollgate_worker_up gauge
tollgate_worker_up{worker="1"} 1
tollgate_worker_up{worker="2"} 1
tollgate_worker_up{worker="3"} 0
`,
  );
});

it("label values with braces, commas and quotes stay intact", () => {
  const text = `# TYPE x counter\nx{route="/a/{b}",msg="a \\"q\\", b"} 2\n`;
  expect(mergeExpositions([{ worker: "1", text }]).split("\n")[1]).toBe(`x{worker="1",route="/a/{b}",msg="a \\"q\\", b"} 2`);
});
