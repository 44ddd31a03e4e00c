import type { TConsentProof, TProofEntry } from "./export-consent-proof.js";

/** Every character that could end a text node or an attribute value is escaped; nothing is trusted. */
function esc(v: unknown): string {
  const s = v === null || v === undefined ? "" : v instanceof Date ? v.toISOString() : String(v);
  return s
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

const iso = (d: Date | null) => (d ? d.toISOString() : "—");
const row = (label: string, value: string) => `<tr><th>${esc(label)}</th><td>${value}</td></tr>`;
const code = (v: unknown) => `<code>${esc(v)}</code>`;

const ACTIONS: Record<string, string> = {
  grant: "Consent given",
  confirm: "Consent confirmed (double opt-in)",
  withdraw: "Consent withdrawn",
  opt_out: "Opted out",
  opt_in: "Opt-out lifted (re-subscribed)",
  expire: "Consent expired",
};

const EXPIRY_REASONS: Record<string, string> = {
  expired: "its expiry date passed",
  confirmation_lapsed: "it was not confirmed within the double opt-in window",
};

const EXPIRY_NOTE = `<p>An entry “Consent expired” or “Consent lapsed” is written by Assent itself (recorded by system)
after a consent's expiry date or its double opt-in window has passed. It is dated at that instant
(“Expired at”), and the consent stopped permitting messages at that instant, whether or not the entry
had been written yet; its recording time says when Assent wrote it.</p>`;

/** An opt-out's scope, or the scope of the opt-out an opt-in lifted (one written before scopes lifted both). */
const scopeText = (scope: TProofEntry["scope"]): string =>
  scope === "marketing"
    ? "marketing"
    : scope === "all"
      ? "everything, every channel"
      : "every opt-out of the brand (marketing, and everything)";

function action(e: TProofEntry): string {
  if (e.kind === "opt_out")
    return e.scope === "marketing" ? "Opted out of marketing" : "Opted out of everything";
  if (e.kind === "opt_in" && e.scope)
    return e.scope === "marketing"
      ? "Opt-out of marketing lifted (re-subscribed)"
      : "Opt-out of everything lifted (re-subscribed)";
  if (e.kind === "grant" && e.pending) return "Consent given, pending confirmation";
  if (e.kind === "withdraw" && e.campaignId)
    return "Consent withdrawn for one campaign (the brand-wide consent no longer covers it)";
  if (e.kind === "expire" && e.evidence.reason === "confirmation_lapsed")
    return "Consent lapsed (double opt-in not confirmed in time)";
  return ACTIONS[e.kind] ?? e.kind;
}

function evidence(e: TProofEntry, identifiers: boolean): string {
  const lines: string[] = [row("Method", esc(e.method))];
  if (e.source) lines.push(row("Source", esc(e.source)));
  if (e.wording !== null) {
    lines.push(row("Exact wording shown", `<blockquote>${esc(e.wording)}</blockquote>`));
    lines.push(row("Wording version (sha256)", code(e.wordingSha256)));
  }
  for (const [k, v] of Object.entries(e.evidence)) {
    if (e.kind === "expire" && k === "reason") {
      lines.push(row("Why it ended", esc(EXPIRY_REASONS[String(v)] ?? v)));
      continue;
    }
    const label =
      k === "wordingVersion"
        ? "Wording version (given)"
        : k === "confirmationRef"
          ? "Confirmation reference"
          : k === "messageId"
            ? "Message"
            : k;
    lines.push(row(label, esc(v)));
  }
  if (e.refId) lines.push(row(e.kind === "grant" ? "Refers to" : "Consent it concerns", code(e.refId)));
  lines.push(row(e.kind === "expire" ? "Expired at" : "Capture time", esc(iso(e.effectiveAt))));
  if (e.channel) lines.push(row("On channel", esc(e.channel)));
  if (identifiers) {
    if (e.ip) lines.push(row("IP address", esc(e.ip)));
    if (e.userAgent) lines.push(row("User agent", esc(e.userAgent)));
  }
  lines.push(row("Recorded by", `${esc(e.actorType)} ${e.actorId ? code(e.actorId) : ""}`));
  if (e.requestId) lines.push(row("Request", code(e.requestId)));
  return `<table class="kv">${lines.join("")}</table>`;
}

function entry(e: TProofEntry, p: TConsentProof, cited: Set<string>): string {
  const brand = p.brands.find((b) => b.id === e.brandId);
  const scope = [
    row("Brand", `${esc(brand?.name ?? "")} ${code(e.brandId)}`),
    e.campaignId ? row("Campaign", code(e.campaignId)) : "",
    e.category ? row("Category", esc(e.category)) : "",
    e.channels
      ? row(e.kind === "withdraw" ? "Channels withdrawn" : "Channels covered", esc(e.channels.join(", ")))
      : "",
    e.kind === "opt_out"
      ? row("Scope", esc(e.scope === "marketing" ? "marketing" : "everything, every channel"))
      : "",
    e.kind === "opt_in" ? row("Scope", esc(scopeText(e.scope))) : "",
    e.basis ? row("Lawful basis", esc(e.basis)) : "",
    e.expiresAt ? row("Expires", esc(iso(e.expiresAt))) : "",
    e.confirmBy ? row("To be confirmed by", esc(iso(e.confirmBy))) : "",
  ].join("");
  return `<section class="entry${cited.has(e.id) ? " cited" : ""}" id="${esc(e.id)}">
<h3>#${esc(e.seq)} · ${esc(action(e))} · ${esc(iso(e.recordedAt))}</h3>
${cited.has(e.id) ? '<p class="note">The decision recorded with the message rests on this entry.</p>' : ""}
<table class="kv">${row("Entry", code(e.id))}${row("Recorded at", esc(iso(e.recordedAt)))}${scope}</table>
<h4>Evidence</h4>
${evidence(e, p.identifiersIncluded)}
<h4>Hash chain</h4>
<table class="kv">${row("Previous hash", code(e.prevHash))}${row("Hash", code(e.hash))}</table>
<details><summary>Canonical text covered by the hash</summary><pre>${esc(e.canonical)}</pre></details>
</section>`;
}

function message(p: TConsentProof): string {
  const m = p.message;
  if (!m) return "";
  const ids = m.ledgerEntryIds.map((id) => `<a href="#${esc(id)}">${code(id)}</a>`).join(", ");
  return `<h2>Decision recorded with message ${esc(m.messageId)}</h2>
<table class="kv">${[
    row("Message", code(m.messageId)),
    row("Brand", code(m.brandId)),
    m.campaignId ? row("Campaign", code(m.campaignId)) : "",
    row("Channel", esc(m.channel)),
    row("Category", esc(m.category)),
    row("Accepted", `${esc(iso(m.acceptedAt))} · ${esc(m.acceptStatus ?? "")} ${esc(m.acceptReason ?? "")}`),
    m.dispatchedAt
      ? row("Decided again at dispatch", `${esc(iso(m.dispatchedAt))} · ${esc(m.dispatchReason ?? "")}`)
      : "",
    row("Status now", `${esc(m.status)} ${esc(m.reason ?? "")}`),
    row("Ledger entries the decision rests on", ids || "none (no consent needed, or none found)"),
  ].join("")}</table>`;
}

/** A brand-wide grant's campaigns the person withdrew from: campaign, channel and the withdraw entry. */
function excluded(exclusions: readonly string[] | undefined): string {
  if (!exclusions || exclusions.length === 0) return "";
  const items = exclusions.map((x) => {
    const [campaignId = "", channel = "", entryId = ""] = x.split(":");
    return `<li>${code(campaignId)} on ${esc(channel)} (${code(entryId)})</li>`;
  });
  return `<br>except, withdrawn since:<ul>${items.join("")}</ul>`;
}

function state(p: TConsentProof): string {
  const grants = p.state.grants
    .map(
      (g) =>
        `<tr><td>${code(g.id)}</td><td>${esc(g.brandId)}</td><td>${esc(g.campaignId ?? "whole brand")}${excluded(g.exclusions)}</td><td>${esc(g.category)}</td><td>${esc(g.channels.join(", "))}</td><td>${esc(g.basis)}</td><td>${esc(g.standing)}</td></tr>`,
    )
    .join("");
  const outs = p.state.suppressions
    .flatMap((s) => [
      ...(s.optOutAllEntryId
        ? [`<li>${code(s.brandId)}: everything (${code(s.optOutAllEntryId)})</li>`]
        : []),
      ...(s.optOutMarketingEntryId
        ? [`<li>${code(s.brandId)}: marketing (${code(s.optOutMarketingEntryId)})</li>`]
        : []),
    ])
    .join("");
  return `<h2>Standing at ${esc(iso(p.generatedAt))}</h2>
<table class="grid"><tr><th>Consent</th><th>Brand</th><th>Campaign</th><th>Category</th><th>Channels</th><th>Basis</th><th>Standing</th></tr>${grants || '<tr><td colspan="7">No consent recorded.</td></tr>'}</table>
<p>Opt-outs in force:</p><ul>${outs || "<li>none</li>"}</ul>`;
}

/**
 * The proof as one self-contained HTML document (no scripts, no external resources) that a compliance
 * officer can hand to a regulator or a court: who and what, every ledger entry that permitted or forbade
 * sending with its evidence and hash-chain values, how the ledger is kept and how to verify it, and, for
 * a message, the decision recorded with it. Every value is HTML-escaped.
 */
export function proofToHtml(p: TConsentProof): string {
  const cited = new Set(p.message?.ledgerEntryIds ?? []);
  const brandNames = p.brands.map((b) => `${esc(b.name)} ${code(b.id)}`).join(", ") || "—";
  const who = [
    row("Workspace", `${esc(p.workspace.name ?? "")} ${code(p.workspace.id)}`),
    row(p.brandId ? "Brand" : "Brands in this proof", brandNames),
    row("Contact", code(p.contact.id)),
    ...(p.identifiersIncluded
      ? [
          row(
            "Contact's addresses",
            p.contact.identities
              .map((i) => `${esc(i.channel)}: ${esc(i.address ?? "(erased)")}`)
              .join("<br>") || "—",
          ),
        ]
      : []),
    row("Generated at", esc(iso(p.generatedAt))),
  ].join("");
  const chain = `<table class="kv">${[
    row("Entries in this contact's ledger", esc(p.chain.entries)),
    row("Chain verified when this document was generated", p.chain.verified ? "yes" : "<strong>NO</strong>"),
    row("Head hash", code(p.chain.headHash)),
    ...p.chain.problems.map((x) => row("Problem", esc(x))),
  ].join("")}</table>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Consent proof · contact ${esc(p.contact.id)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#111}
h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:1px solid #ccc}h3{margin:.2rem 0}h4{margin:.8rem 0 .2rem}
table{border-collapse:collapse;margin:.3rem 0}th,td{text-align:left;vertical-align:top;padding:.2rem .6rem .2rem 0}
table.grid th,table.grid td{border:1px solid #ccc;padding:.2rem .4rem}table.kv th{font-weight:600;white-space:nowrap}
code,pre{font:12px ui-monospace,Menlo,Consolas,monospace;word-break:break-all}pre{white-space:pre-wrap;background:#f6f6f6;padding:.5rem}
blockquote{margin:0;padding:.3rem .6rem;border-left:3px solid #888;background:#f6f6f6;white-space:pre-wrap}
.entry{border:1px solid #ddd;border-radius:4px;padding:.6rem;margin:.8rem 0;break-inside:avoid}.cited{border:2px solid #b00}
.note{color:#b00;font-weight:600}
</style></head><body>
<h1>Consent proof</h1>
<p>Record of every event in the consent ledger that permitted or forbade sending messages to this contact${p.brandId ? " on behalf of this brand" : ""}, with its evidence, in the order recorded.</p>
<table class="kv">${who}</table>
${message(p)}
${state(p)}
<h2>Ledger entries</h2>
${p.entries.some((e) => e.kind === "expire") ? EXPIRY_NOTE : ""}
${p.entries.map((e) => entry(e, p, cited)).join("\n") || "<p>No entry.</p>"}
<h2>Integrity of the ledger</h2>
${chain}
<p>The consent ledger is append-only: the database refuses any UPDATE, DELETE or TRUNCATE of it, for every
user, by a trigger (<code>assent_make_append_only</code>). A correction is a new entry; nothing recorded is
ever changed or removed. Each contact's entries form one hash chain: every entry stores the hash of the
entry before it (the first one follows <code>${"0".repeat(64)}</code>) and its own hash,
<code>hash = sha256(previous hash ‖ canonical text)</code>, where the canonical text is the JSON array shown
under each entry (UTF-8, no spaces). Changing, removing or reordering any entry breaks every hash after it.</p>
<p>To verify: for each entry, compute the SHA-256 of its previous hash immediately followed by its canonical
text, and compare it with its hash; the first entry's previous hash is the genesis value above and each
following entry's previous hash equals the hash before it. The last hash must equal the head hash.${p.brandId ? " This document shows one brand's entries only: each entry can be checked on its own, and the whole chain was verified by Assent as stated above." : ""}
On the server, <code>assent consent verify --workspace ${esc(p.workspace.id)}</code> re-walks every chain
and checks that the current state equals the fold of the ledger. The sha256 of a wording is computed over
its exact UTF-8 text, so the same wording has the same version hash wherever it was shown.</p>
</body></html>
`;
}
