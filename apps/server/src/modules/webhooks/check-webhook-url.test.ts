import { describe, expect, it } from "vitest";
import { checkWebhookUrl } from "./check-webhook-url.js";
import { isPrivateAddress } from "./is-private-address.js";

describe("isPrivateAddress", () => {
  it("refuses loopback, private, link-local, CGNAT, multicast and reserved addresses in both families", () => {
    for (const a of [
      "127.0.0.1",
      "127.255.0.9",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.0.10",
      "169.254.169.254",
      "100.64.0.1",
      "0.0.0.0",
      "224.0.0.1",
      "255.255.255.255",
      "198.18.0.1",
      "::1",
      "::",
      "fe80::1",
      "fd12:3456::1",
      "fc00::1",
      "ff02::1",
      "::ffff:127.0.0.1",
      "::ffff:7f00:1",
      "::ffff:10.0.0.1",
      "64:ff9b::a9fe:a9fe",
      "64:ff9b::169.254.169.254",
      "[::1]",
      "not-an-ip",
    ]) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });

  it("accepts public addresses", () => {
    for (const a of [
      "93.184.216.34",
      "8.8.8.8",
      "172.32.0.1",
      "100.128.0.1",
      "2606:4700:4700::1111",
      "::ffff:8.8.8.8",
    ]) {
      expect(isPrivateAddress(a), a).toBe(false);
    }
  });
});

describe("checkWebhookUrl", () => {
  const resolve = async (host: string) => {
    if (host === "rebind.example.test") return ["8.8.8.8", "127.0.0.1"];
    if (host === "ok.example.test") return ["93.184.216.34"];
    throw new Error("ENOTFOUND");
  };

  it("normalises and accepts public http(s) URLs, dropping the fragment", async () => {
    expect(
      await checkWebhookUrl("HTTPS://OK.example.test:8443/a/b?c=d#frag", { allowPrivate: false, resolve }),
    ).toEqual({
      ok: true,
      url: "https://ok.example.test:8443/a/b?c=d",
    });
    expect((await checkWebhookUrl("http://93.184.216.34/", { allowPrivate: false, resolve })).ok).toBe(true);
  });

  it("refuses a host with any private address, and any private literal", async () => {
    expect((await checkWebhookUrl("https://rebind.example.test/", { allowPrivate: false, resolve })).ok).toBe(
      false,
    );
    expect(
      (await checkWebhookUrl("http://[0:0:0:0:0:ffff:7f00:1]/", { allowPrivate: false, resolve })).ok,
    ).toBe(false);
    expect((await checkWebhookUrl("http://017700000001/", { allowPrivate: false, resolve })).ok).toBe(false);
  });

  it("allows loopback when private targets are allowed, but never other schemes or credentials", async () => {
    expect(await checkWebhookUrl("http://127.0.0.1:9/x", { allowPrivate: true })).toEqual({
      ok: true,
      url: "http://127.0.0.1:9/x",
    });
    expect((await checkWebhookUrl("ws://127.0.0.1:9/x", { allowPrivate: true })).ok).toBe(false);
    expect((await checkWebhookUrl("http://a:b@127.0.0.1/", { allowPrivate: true })).ok).toBe(false);
  });

  it("does not wait long for a resolver that hangs", async () => {
    const started = Date.now();
    const r = await checkWebhookUrl("https://slow.example.test/", {
      allowPrivate: false,
      resolve: () => new Promise(() => undefined),
    });
    expect(r.ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
