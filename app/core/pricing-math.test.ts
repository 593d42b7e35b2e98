// Cost arithmetic: exact decimals (no float drift), cached input at its own rate, milliseconds
// prorated, ten decimal places as stored.
import { describe, expect, it } from "vitest";
import { llmCostUsd, sandboxCostUsd } from "./pricing-math.ts";

describe("llmCostUsd", () => {
  const rate = { inputUsdPerMillion: "1.25", outputUsdPerMillion: "10" };

  it("prices input and output per million tokens, exactly", () => {
    // 1,200 × 1.25 / 1e6 + 310 × 10 / 1e6 = 0.0015 + 0.0031
    expect(llmCostUsd(rate, { inputTokens: 1200, outputTokens: 310 }).toFixed()).toBe("0.0046");
    // 0.1 + 0.2 would be 0.30000000000000004 in floats
    expect(llmCostUsd({ inputUsdPerMillion: "0.1", outputUsdPerMillion: "0.2" }, { inputTokens: 1_000_000, outputTokens: 1_000_000 }).toFixed()).toBe("0.3");
    expect(llmCostUsd(rate, { inputTokens: 0, outputTokens: 0 }).toFixed()).toBe("0");
  });

  it("bills cached input tokens at the cached rate, and at the input rate when there is none", () => {
    const cachedRate = { ...rate, cachedInputUsdPerMillion: "0.125" };
    // 800 × 1.25 + 400 × 0.125 + 100 × 10 = 1000 + 50 + 1000 = 2050 per million
    expect(llmCostUsd(cachedRate, { inputTokens: 1200, cachedInputTokens: 400, outputTokens: 100 }).toFixed()).toBe("0.00205");
    expect(llmCostUsd({ ...rate, cachedInputUsdPerMillion: null }, { inputTokens: 1200, cachedInputTokens: 400, outputTokens: 100 }).toFixed()).toBe(
      llmCostUsd(rate, { inputTokens: 1200, outputTokens: 100 }).toFixed(),
    );
  });

  it("never counts more cached tokens than input tokens", () => {
    const cachedRate = { ...rate, cachedInputUsdPerMillion: "0.125" };
    expect(llmCostUsd(cachedRate, { inputTokens: 100, cachedInputTokens: 500, outputTokens: 0 }).toFixed()).toBe("0.0000125");
  });

  it("rounds to the ten decimal places the ledger stores", () => {
    // 1 token at $0.000001 per million = 1e-12: below the ledger's precision
    expect(llmCostUsd({ inputUsdPerMillion: "0.000001", outputUsdPerMillion: "0" }, { inputTokens: 1, outputTokens: 0 }).toFixed()).toBe("0");
    expect(llmCostUsd({ inputUsdPerMillion: "0.33333333", outputUsdPerMillion: "0" }, { inputTokens: 3, outputTokens: 0 }).toFixed()).toBe("0.000001");
  });
});

describe("sandboxCostUsd", () => {
  it("prorates the per-second rate to the millisecond", () => {
    expect(sandboxCostUsd("0.00014", 95_000).toFixed()).toBe("0.0133");
    expect(sandboxCostUsd("0.0018", 1).toFixed()).toBe("0.0000018");
    expect(sandboxCostUsd(0.0018, 0).toFixed()).toBe("0");
  });

  it("rounds half-even at the tenth decimal place (money.ts)", () => {
    // 1e-12 → 0; 1.5e-10 → 2e-10; 2.5e-10 → 2e-10 (half-up would give 3e-10)
    expect(sandboxCostUsd("0.000000001", 1).toFixed()).toBe("0");
    expect(sandboxCostUsd("0.00000000015", 1000).toFixed()).toBe("0.0000000002");
    expect(sandboxCostUsd("0.00000000025", 1000).toFixed()).toBe("0.0000000002");
  });
});
