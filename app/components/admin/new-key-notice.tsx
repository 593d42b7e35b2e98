// The one moment an API key's text is visible: a warning, the key, and a copy button. Nothing
// stores it; reloading the page loses it for good.
import { useEffect, useRef, useState } from "react";

export function NewKeyNotice({ name, apiKey }: { name: string; apiKey: string }) {
  const [copied, setCopied] = useState<"idle" | "copied" | "failed">("idle");
  const heading = useRef<HTMLHeadingElement>(null);
  // Move focus here so keyboard and screen-reader users land on the key.
  useEffect(() => heading.current?.focus(), [apiKey]);
  async function copy() {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied("copied");
    } catch {
      setCopied("failed");
    }
  }
  return (
    <section className="secret-once" aria-labelledby="new-key-title">
      <h2 id="new-key-title" tabIndex={-1} ref={heading}>
        Key “{name}” created
      </h2>
      <p>
        <strong>Copy it now: this is the only time it is shown.</strong> Tollgate stores only a hash; if it is lost, revoke it and
        create a new one.
      </p>
      <div className="secret-once__key">
        <code data-testid="new-api-key">{apiKey}</code>
        <button type="button" className="button" onClick={copy}>
          Copy key
        </button>
        <span role="status" className="muted">
          {copied === "copied" ? "Copied to the clipboard." : copied === "failed" ? "Copy failed; select the key and copy it by hand." : ""}
        </span>
      </div>
    </section>
  );
}
